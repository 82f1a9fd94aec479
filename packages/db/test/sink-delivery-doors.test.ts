import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type Database, OperatorDoor, skills, sql, systemActor } from '../src/index.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';
import { actor } from './support/tenant-rows.ts';

/**
 * The sink delivery doors (lease, read, settle, prune; migrations 0039,
 * 0040, 0050) answer the server's delivery worker only (0051). SQL injected
 * into workspace A's request runs as the runtime role under A's context:
 * it must not lease the deployment sink's chains (the operator's webhook
 * secret comes with a lease), read workspace B's sealed events through
 * them, settle B's undelivered batch as delivered, or hold B's sinks.
 */
let testDb: TestDatabase;
let db: Database;
let tenantA: string;
let tenantB: string;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await testDb.openApp();
  tenantA = (await db.platform.createTenant({ name: 'Acme', slug: 'acme' }, systemActor('test'))).id;
  tenantB = (await db.platform.createTenant({ name: 'Globex', slug: 'globex' }, systemActor('test'))).id;
  await OperatorDoor.use(testDb.ownerUrl, (door) =>
    door.setDeploymentSink({ url: 'syslog://127.0.0.1:9', format: 'jsonl', signingSecret: null, fromLeaf: 0 }),
  );
  await testDb.ownerQuery(
    `insert into audit_sinks (tenant_id, name, url, signing_secret) values ($1, 'siem', 'https://siem.example/hook', 'v1.0123456789abcdef.x.y.z')`,
    [tenantB],
  );
  await db.withTenant(tenantB, actor('b-admin'), (tx) =>
    tx.insert(skills).values({ tenantId: tenantB, slug: 'secret-plan', name: 'Secret plan', description: 'B only' }),
  );
  // Other databases of the test cluster may hold the sealing horizon back for a while.
  expect(await db.sealCommittedAuditEvents(60_000)).toBe(true);
});
afterAll(async () => {
  await db.close();
  await testDb.drop();
});

const doorCalls = [
  'select * from platform.lease_deployment_chains(1000, 60)',
  `select platform.read_deployment_batch('${'$B'}', gen_random_uuid(), 1000)`,
  `select platform.settle_deployment_batch('${'$B'}', gen_random_uuid(), 1000000, null, 0, 0)`,
  `select platform.settle_deployment_attempt('${'$B'}', gen_random_uuid(), 'm', 0, 1000000, 1, 200, 1, null, 0, 0)`,
  'select * from platform.lease_audit_sinks(1000, 60)',
  'select platform.prune_sink_history(30, 100)',
  'select * from platform.lease_deployment_chains_unguarded(1000, 60)',
  'select * from platform.lease_audit_sinks_unguarded(1000, 60)',
];

test('SQL in workspace A’s request reaches none of the sink doors', async () => {
  for (const call of doorCalls) {
    const statement = call.replaceAll('$B', tenantB);
    await expect(
      db.withTenant(tenantA, actor('a-attacker'), (tx) => tx.execute(sql.raw(statement))),
      statement,
    ).rejects.toMatchObject({ cause: expect.objectContaining({ code: '42501' }) });
  }
});

test('nor does the runtime role with no context at all', async () => {
  const client = new pg.Client({ connectionString: testDb.appUrl });
  await client.connect();
  try {
    for (const call of doorCalls) {
      const statement = call.replaceAll('$B', tenantB);
      await expect(client.query(statement), statement).rejects.toMatchObject({ code: '42501' });
    }
  } finally {
    await client.end();
  }
});

test('the server’s delivery worker still leases, reads and settles', async () => {
  const chains = await db.deploymentSink.lease(1000, 60);
  const leaseOfB = chains.find((c) => c.chain === tenantB);
  expect(leaseOfB).toBeDefined();
  if (!leaseOfB) return;
  const batch = await db.deploymentSink.readBatch(leaseOfB.chain, leaseOfB.leaseToken, 100);
  expect(batch?.events.length).toBeGreaterThan(0);
  const last = batch?.events.at(-1)?.leafIndex ?? 0;
  const attempt = {
    messageId: 'm1',
    firstLeaf: 0,
    lastLeaf: last,
    eventCount: 1,
    statusCode: null,
    latencyMs: 1,
    error: null,
  };
  expect(await db.deploymentSink.settle(leaseOfB, attempt, 1000, 60_000)).toBe(false);
  const { rows } = await testDb.ownerQuery<{ delivered_through: string }>(
    'select delivered_through from platform.deployment_sink_cursors where chain = $1',
    [tenantB],
  );
  expect(Number(rows[0]?.delivered_through)).toBe(last);
  await expect(db.auditSinks.lease(1000, 60)).resolves.toBeInstanceOf(Array);
  await expect(db.auditSinks.pruneHistory(30, 100)).resolves.toBe(0);
});
