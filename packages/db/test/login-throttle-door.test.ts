// Regression: platform.should_block_login honoured a tenant named by any caller, so the runtime
// role could count another workspace's failed sign-ins for an address, and learn whether its
// blocklist names it, from any context or none. Now only the tenant in context is counted, unless
// the caller is the owner (benchmarks, operators).
import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type Database, sql, systemActor } from '../src/index.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';
import { actor } from './support/tenant-rows.ts';

let testDb: TestDatabase;
let db: Database;
let tenantA: string;
let tenantB: string;
const victim = 'victim@globex.test';

const verdictSql = (tenant: string | null) =>
  sql`select blocked, failures from platform.should_block_login(${victim}, '10.0.0.9'::inet, ${tenant})`;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await testDb.openApp();
  tenantA = (await db.platform.createTenant({ name: 'Acme', slug: 'acme' }, systemActor('test'))).id;
  tenantB = (await db.platform.createTenant({ name: 'Globex', slug: 'globex' }, systemActor('test'))).id;
  // Six failed sign-ins of the victim in B.
  await testDb.ownerQuery(
    `insert into security_events (tenant_id, event_type, severity, email, ip_address)
     select $1, 'login_failed', 'medium', $2, '10.0.0.9' from generate_series(1, 6)`,
    [tenantB, victim],
  );
}, 60_000);
afterAll(() => testDb.drop());

test("from A's context, naming B is refused: no count of B's failures leaks", async () => {
  const outcome = await db
    .withTenant(tenantA, actor('attacker'), (tx) => tx.execute(verdictSql(tenantB)))
    .then(
      (r) => ({ rows: r.rows }),
      (error: { cause?: { code?: string } }) => ({ refused: error.cause?.code }),
    );
  expect(outcome).toEqual({ refused: '42501' });
});

test('outside any context, the runtime role naming B is refused', async () => {
  const client = new pg.Client({ connectionString: testDb.appUrl });
  await client.connect();
  try {
    await expect(
      client.query(`select failures from platform.should_block_login($1, '10.0.0.9'::inet, $2)`, [victim, tenantB]),
    ).rejects.toMatchObject({ code: '42501' });
  } finally {
    await client.end();
  }
});

test("in B's own context the throttle counts B's failures, named or not", async () => {
  for (const named of [null, tenantB]) {
    const { rows } = await db.withTenant(tenantB, actor('sign-in'), (tx) =>
      tx.execute<{ blocked: boolean; failures: number }>(verdictSql(named)),
    );
    expect(rows[0]).toEqual({ blocked: true, failures: 5 });
  }
});

test('the owner may name a tenant (benchmarks, operators)', async () => {
  const { rows } = await testDb.ownerQuery<{ failures: number }>(
    `select failures from platform.should_block_login($1, '10.0.0.9'::inet, $2)`,
    [victim, tenantB],
  );
  expect(rows[0]?.failures).toBe(5);
});
