import { OperatorDoor } from '@skillhub/db';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type SignedUpUser, signUpOwner, startTestServer, type TestServer } from './support/test-server.ts';

/**
 * A workspace owner, the most a tenant can be, neither sees nor changes the
 * operator's deployment sink through the API: it is in no sink list, no
 * sink id reaches it, and no route serves it.
 */
let t: TestServer;
let owner: SignedUpUser;
const url = 'syslog+tls://operator-siem.example:6514';

beforeAll(async () => {
  t = await startTestServer();
  owner = await signUpOwner(t, 'deployment-probe');
  await OperatorDoor.use(t.testDb.ownerUrl, (door) =>
    door.setDeploymentSink({ url, format: 'ocsf', signingSecret: null, fromLeaf: 0 }),
  );
});
afterAll(() => t.close());

test('a workspace owner neither sees nor changes the deployment sink', async () => {
  const listed = await owner.client.get('/audit/sinks');
  expect(listed.status).toBe(200);
  expect(listed.text).not.toContain('operator-siem');
  for (const id of ['deployment', '00000000-0000-0000-0000-000000000000']) {
    const one = await owner.client.get(`/audit/sinks/${id}`);
    expect([400, 404]).toContain(one.status);
    expect(one.text).not.toContain('operator-siem');
    const replay = await owner.client.post(`/audit/sinks/${id}/replay`, { fromLeaf: 0 });
    expect([400, 404]).toContain(replay.status);
  }
  for (const path of ['/audit/deployment-sink', '/audit/sinks/deployment/attempts', '/platform/deployment-sink']) {
    const probe = await owner.client.get(path);
    expect([400, 404]).toContain(probe.status);
    expect(probe.text).not.toContain('operator-siem');
  }
  const state = await OperatorDoor.use(t.testDb.ownerUrl, (door) => door.showDeploymentSink());
  expect(state).toMatchObject({ url, pausedAt: null, fromLeaf: 0 });
});
