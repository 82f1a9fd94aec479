import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type Database, runSqlIsolationChecks, type SelftestTenant, systemActor } from '../src/index.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';
import { actor, seedTenantRows } from './support/tenant-rows.ts';

/**
 * The SQL half of `skillhub selftest` on a migrated database: every check
 * holds; and once a policy is weakened as the owner would (`using (true)`),
 * the checks that read and write that table say so by name.
 */
let testDb: TestDatabase;
let db: Database;
let a: SelftestTenant;
let b: SelftestTenant;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await testDb.openApp();
  for (const name of ['a', 'b']) {
    const tenant = await db.platform.createTenant({ name, slug: `sql-selftest-${name}` }, systemActor('test'));
    await seedTenantRows(db, tenant.id);
    if (name === 'a') a = tenant;
    else b = tenant;
  }
  // Statistics to find: pg_stats would show their most common values to anyone it did not hide them from.
  await testDb.ownerQuery('analyze');
}, 60_000);

afterAll(async () => {
  await db?.close();
  await testDb?.drop();
});

const run = () => runSqlIsolationChecks({ db, a, b, actor: actor('selftest-attacker') });

test('every SQL check holds on the migrated schema', async () => {
  const checks = await run();
  if (process.env.PRINT_CHECKS) console.log(checks.map((c) => `${c.result} ${c.name}: ${c.detail}`).join('\n'));
  expect(checks.filter((c) => c.result === 'failed')).toEqual([]);
  expect(checks.length).toBeGreaterThan(50);
  expect(checks.map((c) => c.name)).toEqual(
    expect.arrayContaining(['sql read: skills', 'sql context: reset all', 'statistics: pg_stats']),
  );
}, 120_000);

/** A migration's statement that (re)defines platform.context_claims, runnable again as the owner. */
async function contextClaimsOf(migration: string): Promise<string> {
  const text = await readFile(new URL(`../migrations/${migration}.sql`, import.meta.url), 'utf8');
  const statement = text
    .split('--> statement-breakpoint')
    .find((part) => /function platform\.context_claims\(\)/.test(part));
  if (!statement) throw new Error(`${migration} does not define platform.context_claims`);
  return statement.replace(/create (or replace )?function/, 'create or replace function');
}

test("with 0022's freshness window in place of the binding, B's context taken while B's transaction runs is named as a leak", async () => {
  await testDb.ownerQuery(await contextClaimsOf('0022_verified_tenant_context'));
  try {
    const leaked = (await run()).filter((c) => c.result === 'failed').map((c) => c.name);
    expect(leaked).toContain("sql context: replay B's context while B's transaction is open");
  } finally {
    await testDb.ownerQuery(await contextClaimsOf('0060_context_tickets'));
  }
  expect((await run()).filter((c) => c.result === 'failed')).toEqual([]);
}, 240_000);

test('a policy weakened to using (true) is named as a leak', async () => {
  await testDb.ownerQuery('alter policy tenant_isolation on skills using (true)');
  const leaked = (await run()).filter((c) => c.result === 'failed').map((c) => c.name);
  expect(leaked).toEqual(expect.arrayContaining(['sql read: skills', 'sql delete: skills', 'sql context: reset all']));
}, 120_000);
