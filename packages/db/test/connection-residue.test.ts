// What SQL injected into tenant A's request leaves on its pooled connection must not reach the next
// request there, tenant B's. Besides session settings (RESET ALL, context-theft.test.ts), a session
// keeps temporary objects, which PostgreSQL searches before public (a temporary view named like a
// table replaces it for every later statement that names the table unqualified, as Drizzle does),
// SQL-level prepared statements, which share their namespace with the driver's named statements (one
// re-prepared under a name the driver has parsed runs in place of the driver's statement), and
// session-level advisory locks. Each attack below runs as the runtime role inside a real
// withTenant(A) on a pool of one connection, and B's next request on that connection must neither
// run A's code nor have its rows copied where A can read them.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type Database, eq, skills, sql, systemActor, type TenantTx } from '../src/index.ts';
import { usesBeforeNaming } from '../src/tenant-context/context-first-client.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';
import { actor, seedTenantRows } from './support/tenant-rows.ts';

let testDb: TestDatabase;
let db: Database;
let tenantA: string;
let tenantB: string;
let skillOfB: string;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await testDb.openApp({ maxConnections: 1 });
  tenantA = (await db.platform.createTenant({ name: 'Acme', slug: 'acme' }, systemActor('test'))).id;
  tenantB = (await db.platform.createTenant({ name: 'Globex', slug: 'globex' }, systemActor('test'))).id;
  await seedTenantRows(db, tenantA);
  skillOfB = (await seedTenantRows(db, tenantB)).skills;
});
afterAll(() => testDb.drop());

/** B's ordinary read of its own skill, as a use case writes it. */
const bReadsItsSkill = () =>
  db.withTenant(tenantB, actor('victim'), (tx) =>
    tx.select({ id: skills.id, name: skills.name }).from(skills).where(eq(skills.id, skillOfB)),
  );

/** A, as the attacker, runs `attack` (its injected SQL) in its own request; errors are the attacker's problem. */
const aInjects = (attack: (tx: TenantTx) => Promise<unknown>) =>
  db.withTenant(tenantA, actor('attacker'), attack).catch(() => undefined);

test('the runtime role may not create temporary objects', async () => {
  const attempt = await db
    .withTenant(tenantA, actor('attacker'), (tx) => tx.execute(sql.raw('create temporary table probe (n int)')))
    .then(
      () => 'created',
      (error: { cause?: { code?: string } }) => error.cause?.code,
    );
  expect(attempt).toBe('42501');
});

test('a temporary view named like a table does not stand in for it in the next request', async () => {
  // As if an operator had granted the privilege back: what withTenant discards must not outlive it.
  await testDb.ownerQuery(
    `do $$ begin execute format('grant temporary on database %I to public', current_database()); end $$`,
  );
  await aInjects(async (tx) => {
    await tx.execute(sql.raw(`create temporary view skills as select * from public.skills where false`));
  });
  const read = await bReadsItsSkill();
  await testDb.ownerQuery(
    `do $$ begin execute format('revoke temporary on database %I from public', current_database()); end $$`,
  );
  expect(read).toHaveLength(1);
  expect(read[0]?.id).toBe(skillOfB);
});

test("a statement re-prepared under the driver's name does not run in place of the driver's", async () => {
  // B's read runs until it is hot, so the driver has parsed (and named) it on this connection.
  for (let i = 0; i < usesBeforeNaming; i++) await bReadsItsSkill();
  const planted = await aInjects(async (tx) => {
    const { rows } = await tx.execute<{ name: string; statement: string }>(
      sql`select name, statement from pg_prepared_statements where not from_sql and statement like ${'%"skills"."id" = $1%'}`,
    );
    const target = rows[0];
    if (!target) return 'nothing to replace';
    await tx.execute(sql.raw(`deallocate "${target.name}"`));
    // Same parameter, same result shape: answers B with a row of A's choosing.
    await tx.execute(sql.raw(`prepare "${target.name}" (uuid) as select $1 as id, 'planted by A'::text as name`));
    return target.name;
  });
  expect(planted).toMatch(/^skillhub\./);
  const read = await bReadsItsSkill();
  expect(read).toEqual([{ id: skillOfB, name: expect.not.stringMatching(/planted/) }]);
});

test("a one-statement read's census, which leaves with the statement, still finds what the statement planted", async () => {
  // As if a function the runtime role may call ran SQL of the caller's choosing: a PREPARE from inside
  // one statement, which a one-statement read commits and cleans up in the same round trip.
  await testDb.ownerQuery(
    `create function public.plants_a_statement(n int) returns int language plpgsql as $$
     begin execute format('prepare %I as select %s as planted', 'skillhub.planted', n); return n; end $$`,
  );
  await testDb.ownerQuery('grant execute on function public.plants_a_statement(int) to public');
  for (let i = 0; i < usesBeforeNaming; i++) await bReadsItsSkill();
  const pidOf = () =>
    db.withTenant(tenantB, actor('victim'), (tx) =>
      tx.execute<{ pid: number }>(sql`select pg_backend_pid() as pid where ${1} = 1`),
    );
  const before = (await pidOf()).rows[0]?.pid;
  await db.withTenant(tenantA, actor('attacker'), (tx) => tx.execute(sql`select public.plants_a_statement(${7})`), {
    oneRead: true,
  });
  // The connection that holds the planted statement is closed, not pooled: B's next request gets a new one.
  const after = await db.withTenant(tenantB, actor('victim'), (tx) =>
    tx.execute<{ pid: number; planted: number }>(
      sql`select pg_backend_pid() as pid, (select count(*)::int from pg_prepared_statements where from_sql) as planted where ${1} = 1`,
    ),
  );
  await testDb.ownerQuery('drop function public.plants_a_statement(int)');
  expect(after.rows[0]?.planted).toBe(0);
  expect(after.rows[0]?.pid).not.toBe(before);
});

test('a session setting left by a one-statement read is reset by the end that left with it', async () => {
  await db.withTenant(
    tenantA,
    actor('attacker'),
    (tx) => tx.execute(sql`select set_config('search_path', ${'pg_temp, public'}, false)`),
    { oneRead: true },
  );
  const seen = await db.withTenant(tenantB, actor('victim'), (tx) =>
    tx.execute<{ path: string }>(sql`select current_setting('search_path') as path where ${1} = 1`),
  );
  expect(seen.rows[0]?.path).not.toContain('pg_temp');
});

test('a session-level advisory lock taken in a request is released with it', async () => {
  await aInjects((tx) => tx.execute(sql`select pg_advisory_lock(${424242})`));
  const other = await testDb.openApp({ maxConnections: 1 });
  const taken = await other.withTenant(tenantB, actor('victim'), (tx) =>
    tx.execute<{ ok: boolean }>(sql`select pg_try_advisory_xact_lock(${424242}) as ok`),
  );
  expect(taken.rows[0]?.ok).toBe(true);
});
