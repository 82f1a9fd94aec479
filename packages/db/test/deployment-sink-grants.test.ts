import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { OperatorDoor, runDoctor } from '../src/index.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';

/**
 * The deployment sink is the operator's (migration 0040): the runtime role,
 * which every tenant's request runs as, can neither read it (its URL, its
 * sealed secret) nor change it, nor move a chain's cursor to hide events;
 * only the server's delivery worker reaches it, through the delivery functions.
 */
let testDb: TestDatabase;
beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(async () => {
  await testDb.drop();
});

test('the runtime role can neither read nor change the deployment sink, nor forge a cursor', async () => {
  await OperatorDoor.use(testDb.ownerUrl, (door) =>
    door.setDeploymentSink({ url: 'syslog://127.0.0.1:9', format: 'jsonl', signingSecret: null, fromLeaf: 0 }),
  );
  const client = new pg.Client({ connectionString: testDb.appUrl });
  await client.connect();
  try {
    for (const statement of [
      'select * from platform.deployment_sink',
      "update platform.deployment_sink set url = 'syslog://attacker.example:514'",
      "insert into platform.deployment_sink (url) values ('syslog://attacker.example:514')",
      'delete from platform.deployment_sink',
      'select * from platform.deployment_sink_cursors',
      "insert into platform.deployment_sink_cursors (chain, delivered_through) values ('x', 1000000)",
      'update platform.deployment_sink_cursors set delivered_through = 1000000',
    ]) {
      await expect(client.query(statement), statement).rejects.toMatchObject({ code: '42501' });
    }
    // Nor can it settle a batch: the delivery doors answer the server's worker only (sink-delivery-doors.test.ts).
    await expect(
      client.query(`select platform.settle_deployment_batch('', gen_random_uuid(), 1000000, null, 0, 0)`),
    ).rejects.toMatchObject({ code: '42501' });
  } finally {
    await client.end();
  }
  const state = await OperatorDoor.use(testDb.ownerUrl, (door) => door.showDeploymentSink());
  expect(state?.url).toBe('syslog://127.0.0.1:9');
  const { rows } = await testDb.ownerQuery<{ delivered_through: string }>(
    'select delivered_through from platform.deployment_sink_cursors',
  );
  expect(rows.every((r) => Number(r.delivered_through) < 1000000)).toBe(true);
});

test('the doctor warns of a paused deployment sink, and says how to resume it', async () => {
  const doctorSays = async () =>
    (await runDoctor({ ownerUrl: testDb.ownerUrl, runtimeRole: 'skillhub_app' })).find(
      (r) => r.check === 'deployment_sink_not_paused',
    );
  expect(await doctorSays()).toMatchObject({ ok: true });
  await testDb.ownerQuery(
    "update platform.deployment_sink set paused_at = now(), paused_reason = 'chain a failing since yesterday'",
  );
  expect(await doctorSays()).toMatchObject({
    ok: false,
    severity: 'warning',
    detail: expect.stringContaining('chain a failing since yesterday'),
    fix: expect.stringContaining('skillhub sink deployment replay'),
  });
});
