// builtOnce: a query Drizzle builds once per pooled connection, its values and its tenant bound on
// every call. What must not happen: one tenant's request leaving its tenant in the query the next
// request on the same connection runs, a query built per call after all, or a query whose tenant
// placeholder escaped builtOnce running without its tenant.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { and, builtOnce, builtOncePerShape, type Database, eq, sameTenantBound, skills, sql } from '../src/index.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';
import { actor, seedTwoTenants } from './support/tenant-rows.ts';

let testDb: TestDatabase;
let db: Database;
let tenantA: string;
let tenantB: string;
let skillOfA: string;
let skillOfB: string;

beforeAll(async () => {
  testDb = await createTestDatabase();
  const setup = await testDb.openApp();
  const { a, b } = await seedTwoTenants(setup);
  [tenantA, tenantB, skillOfA, skillOfB] = [a.tenantId, b.tenantId, a.rows.skills, b.rows.skills];
  await setup.close();
  // One connection: every transaction below runs on it, one after another, through one Drizzle session.
  db = await testDb.openApp({ maxConnections: 1 });
});
afterAll(async () => {
  await db?.close();
  await testDb.drop();
});

let builds = 0;
const ownSkills = builtOnce((tx) => {
  builds += 1;
  return tx.select({ id: skills.id, tenantId: skills.tenantId }).from(skills).where(sameTenantBound(skills.tenantId));
});

test('each call binds its own tenant: the query built in one tenant’s transaction serves the next tenant its own rows', async () => {
  builds = 0;
  for (const [tenantId, skillId] of [
    [tenantA, skillOfA],
    [tenantB, skillOfB],
    [tenantA, skillOfA],
    [tenantB, skillOfB],
  ] as const) {
    const rows = await db.withTenant(tenantId, actor('reader'), (tx) => ownSkills(tx));
    expect(rows.length).toBeGreaterThan(0);
    expect(new Set(rows.map((r) => r.tenantId))).toEqual(new Set([tenantId]));
    expect(rows.map((r) => r.id)).toContain(skillId);
  }
  expect(builds).toBe(1);
});

test('the tenant is in the statement itself, not left to the row policy: each call’s statement names its caller’s tenant', async () => {
  // The routing check refuses a statement on a tenant table whose `tenant_id = $n` is bound to any tenant
  // but the transaction's; row policies alone would hide a wrong binding as an empty answer.
  const routed = await testDb.openApp({ maxConnections: 1, checkTenantRouting: true });
  try {
    for (const tenantId of [tenantA, tenantB, tenantA]) {
      const rows = await routed.withTenant(tenantId, actor('reader'), (tx) => ownSkills(tx));
      expect(new Set(rows.map((r) => r.tenantId))).toEqual(new Set([tenantId]));
    }
  } finally {
    await routed.close();
  }
});

test('two transactions at once, on two connections, each run the query on their own connection', async () => {
  // A query built on one connection holds that connection: run from another transaction it would run
  // inside the first one's, under the first one's context.
  const pair = await testDb.openApp({ maxConnections: 2 });
  try {
    let arrived = 0;
    let release = () => {};
    const bothInside = new Promise<void>((resolve) => {
      release = resolve;
    });
    const meet = async () => {
      arrived += 1;
      if (arrived === 2) release();
      await bothInside;
    };
    const twice = (tenantId: string) =>
      pair.withTenant(tenantId, actor('reader'), async (tx) => {
        const first = await ownSkills(tx);
        await meet();
        return [...first, ...(await ownSkills(tx))];
      });
    for (let round = 0; round < 3; round++) {
      const [ofA, ofB] = await Promise.all([twice(tenantA), twice(tenantB)]);
      arrived = 0;
      expect(new Set(ofA.map((r) => r.tenantId))).toEqual(new Set([tenantA]));
      expect(new Set(ofB.map((r) => r.tenantId))).toEqual(new Set([tenantB]));
    }
  } finally {
    await pair.close();
  }
});

test('values are bound per call, and each shape is built once per connection', async () => {
  builds = 0;
  const byRef = builtOncePerShape((tx, shape: { byId: boolean }) => {
    builds += 1;
    const ref = sql.placeholder('ref');
    return tx
      .select({ id: skills.id })
      .from(skills)
      .where(and(sameTenantBound(skills.tenantId), shape.byId ? eq(skills.id, ref) : eq(skills.slug, ref)));
  });
  const [slugOfA] = (await db.withTenant(tenantA, actor('reader'), (tx) =>
    tx.select({ slug: skills.slug }).from(skills).where(eq(skills.id, skillOfA)),
  )) as { slug: string }[];
  for (let i = 0; i < 3; i++) {
    expect(await db.withTenant(tenantA, actor('reader'), (tx) => byRef(tx, { byId: true }, { ref: skillOfA }))).toEqual(
      [{ id: skillOfA }],
    );
    expect(
      await db.withTenant(tenantA, actor('reader'), (tx) => byRef(tx, { byId: false }, { ref: slugOfA?.slug })),
    ).toEqual([{ id: skillOfA }]);
    // Another tenant's skill by its id: not found, the tenant bound is the caller's.
    expect(await db.withTenant(tenantA, actor('reader'), (tx) => byRef(tx, { byId: true }, { ref: skillOfB }))).toEqual(
      [],
    );
  }
  expect(builds).toBe(2);
});

test('a query naming the tenant by placeholder outside builtOnce fails rather than run without its tenant', async () => {
  await expect(
    db.withTenant(tenantA, actor('reader'), (tx) =>
      tx.select({ id: skills.id }).from(skills).where(sameTenantBound(skills.tenantId)),
    ),
  ).rejects.toThrow(/No value for placeholder/);
});
