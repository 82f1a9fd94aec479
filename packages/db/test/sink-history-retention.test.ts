import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Database } from '../src/index.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';

/**
 * Delivery history is bounded (migration 0050): platform.prune_sink_history
 * keeps the last `keep_days` and at most the newest `keep_per_sink`
 * attempts of each tenant sink and deployment chain, and nothing else can
 * delete history: the runtime role has no DELETE, and the function refuses
 * to keep less than a day or 100 attempts, so an injected call cannot wipe
 * a sink's recent history.
 */
let testDb: TestDatabase;
let db: Database;
const sealedSecret = 'v1.0123456789abcdef.x.y.z';

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await testDb.openApp();
});
afterAll(async () => {
  await db.close();
  await testDb.drop();
});

async function createSink(tenantSlug: string): Promise<{ tenant: string; sink: string }> {
  const { rows } = await testDb.ownerQuery<{ tenant: string; sink: string }>(
    `with t as (insert into tenants (id, name, slug) values (gen_random_uuid()::text, $1, $1) returning id)
     insert into audit_sinks (tenant_id, name, url, signing_secret)
     select id, 'siem', 'https://siem.example/hook', $2 from t returning tenant_id as tenant, id as sink`,
    [tenantSlug, sealedSecret],
  );
  const created = rows[0];
  if (!created) throw new Error('no sink created');
  return created;
}

/** `count` attempts of a sink, the i-th made `ageOf(i)` ago (seconds); i = 0 is the newest. */
async function addAttempts(sink: { tenant: string; sink: string }, count: number, ageOf: (i: number) => number) {
  await testDb.ownerQuery(
    `insert into audit_sink_attempts (tenant_id, sink_id, attempted_at, webhook_id, event_count, latency_ms, delivered)
     select $1, $2, now() - make_interval(secs => ($3::float8[])[i]), 'w' || i, 1, 1, true
       from generate_series(1, $4) i`,
    [sink.tenant, sink.sink, Array.from({ length: count }, (_, i) => ageOf(i)), count],
  );
}

async function addDeploymentAttempts(chain: string | null, count: number, ageOf: (i: number) => number) {
  await testDb.ownerQuery(
    `insert into platform.deployment_sink_attempts (attempted_at, chain, message_id, event_count, latency_ms, delivered)
     select now() - make_interval(secs => ($2::float8[])[i]), $1, 'm' || i, 0, 1, true from generate_series(1, $3) i`,
    [chain, Array.from({ length: count }, (_, i) => ageOf(i)), count],
  );
}

const day = 86_400;

test('the runtime role cannot delete history, nor read or write the deployment sink’s', async () => {
  const client = new pg.Client({ connectionString: testDb.appUrl });
  await client.connect();
  try {
    for (const statement of [
      'delete from audit_sink_attempts',
      'select * from platform.deployment_sink_attempts',
      "insert into platform.deployment_sink_attempts (message_id, event_count, latency_ms, delivered) values ('x', 0, 0, true)",
      'delete from platform.deployment_sink_attempts',
    ]) {
      await expect(client.query(statement), statement).rejects.toMatchObject({ code: '42501' });
    }
    for (const [days, perSink] of [
      [0, 100],
      [30, 99],
      [-1, 1000],
      [30, 0],
    ]) {
      await expect(
        db.auditSinks.pruneHistory(days ?? 0, perSink ?? 0),
        `${days} days, ${perSink} per sink`,
      ).rejects.toMatchObject({ cause: expect.objectContaining({ code: '22023' }) });
    }
  } finally {
    await client.end();
  }
});

test('pruning keeps the last days and the newest attempts of each sink and chain, and nothing else', async () => {
  const busy = await createSink('retention-busy');
  const quiet = await createSink('retention-quiet');
  const other = await createSink('retention-other');
  // 150 recent attempts, a second apart: the newest 100 stay.
  await addAttempts(busy, 150, (i) => 10 + i);
  // 5 recent and 5 from 40 days ago: the old ones go.
  await addAttempts(quiet, 10, (i) => (i < 5 ? 60 + i : 40 * day + i));
  // Another tenant's 50 recent attempts: untouched.
  await addAttempts(other, 50, (i) => 10 + i);
  await addDeploymentAttempts('chain-a', 130, (i) => 10 + i);
  await addDeploymentAttempts('', 20, (i) => 10 + i);
  await addDeploymentAttempts(null, 4, (i) => (i < 2 ? 10 + i : 31 * day));

  const removed = await db.auditSinks.pruneHistory(30, 100);
  expect(removed).toBe(50 + 5 + 30 + 2);

  const { rows } = await testDb.ownerQuery<{ sink_id: string; n: string; oldest: string }>(
    `select sink_id, count(*) as n, max(extract(epoch from now() - attempted_at))::int as oldest
       from audit_sink_attempts group by sink_id`,
  );
  const bySink = new Map(rows.map((r) => [r.sink_id, { n: Number(r.n), oldest: Number(r.oldest) }]));
  // The newest 100 of busy's are those made 10 to 109 seconds ago.
  expect(bySink.get(busy.sink)).toEqual({ n: 100, oldest: 109 });
  expect(bySink.get(quiet.sink)?.n).toBe(5);
  expect(bySink.get(other.sink)?.n).toBe(50);
  const { rows: chains } = await testDb.ownerQuery<{ chain: string | null; n: string }>(
    'select chain, count(*) as n from platform.deployment_sink_attempts group by chain order by chain nulls first',
  );
  expect(chains.map((c) => [c.chain, Number(c.n)])).toEqual([
    [null, 2],
    ['', 20],
    ['chain-a', 100],
  ]);
  // Pruning again removes nothing more.
  expect(await db.auditSinks.pruneHistory(30, 100)).toBe(0);
});
