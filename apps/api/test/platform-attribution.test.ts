// Finding 6 of issue 11, through the server: the platform operations a
// request triggers (sign-up creating a workspace, sign-in resolving one,
// resolving an API key) are recorded with the request's id and address,
// under the component that asked.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { apiKeyClient } from './support/audit.ts';
import { signUpByMail, signUpOwner, startTestServer, type TestServer } from './support/test-server.ts';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.close());

const recordsOf = async (requestId: string) =>
  (
    await t.testDb.ownerQuery<{ action: string; chain: string; actor: string; ip: string | null }>(
      `select action, tenant_id as chain, actor_type || ':' || coalesce(actor_id, '') as actor,
              host(ip_address) as ip
       from audit_logs where request_id = $1 and action not like '%.insert' order by seq`,
      [requestId],
    )
  ).rows;

test('sign-up: the new workspace, created when the mailed link returns, as sign-up, with the request id and IP', async () => {
  const requestId = `signup-${randomUUID()}`;
  const client = t.client.fork({ headers: { 'x-request-id': requestId } });
  const verified = await signUpByMail(t, client, {
    email: 'ada@initech.test',
    password: 'a long enough password',
    displayName: 'Ada',
    workspace: { name: 'Initech', slug: 'initech' },
  });
  expect(verified.status, verified.text).toBe(200);
  const records = await recordsOf(requestId);
  expect(records).toContainEqual({
    action: 'tenant.create',
    chain: verified.body.tenantId,
    actor: 'system:sign-up',
    ip: '127.0.0.1',
  });
});

test('sign-in: the workspace lookup, as sign-in', async () => {
  const owner = await signUpOwner(t, 'umbrella');
  const requestId = `signin-${randomUUID()}`;
  const signedIn = await t.client
    .fork()
    .post(
      '/auth/sign-in',
      { email: owner.email, password: owner.password, workspace: 'umbrella' },
      { headers: { 'x-request-id': requestId } },
    );
  expect(signedIn.status).toBe(200);
  expect((await recordsOf(requestId))[0]).toEqual({
    action: 'tenant.resolve',
    chain: '',
    actor: 'system:sign-in',
    ip: '127.0.0.1',
  });
});

test('an API key resolved for a request records nothing: its last use is written behind, in a column capture ignores (0027)', async () => {
  const owner = await signUpOwner(t, 'hooli');
  const robot = await apiKeyClient(t, owner, ['skills:read']);
  const requestId = `key-${randomUUID()}`;
  expect((await robot.get('/skills', { headers: { 'x-request-id': requestId } })).status).toBe(200);
  expect(await recordsOf(requestId)).toEqual([]);
});
