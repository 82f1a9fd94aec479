// withTenant's tenant context leaves with the transaction's first statement (ContextFirstClient), and
// BEGIN with them where the connection's last transaction drew a ticket (migration 0060): a read is
// the statement and COMMIT. Counted on the wire by a proxy in front of PostgreSQL, and
// the pipeline's guarantees tried: the statement sees its context, a failed first statement leaves
// the connection usable, and a context statement that fails stops the statement behind it.
import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { requireScope } from '../src/identity/current-tx.ts';
import { Database, eq, skills, sql } from '../src/index.ts';
import {
  ContextFirstClient,
  preparedPerConnection,
  usesBeforeNaming,
} from '../src/tenant-context/context-first-client.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';
import { type RoundTripCounter, startRoundTripCounter } from './support/round-trip-counter.ts';
import { actor, seedTwoTenants } from './support/tenant-rows.ts';

let testDb: TestDatabase;
let counter: RoundTripCounter;
let db: Database;
let tenantA: string;
let tenantB: string;
let skillOfA: string;

beforeAll(async () => {
  testDb = await createTestDatabase();
  const setup = await testDb.openApp();
  const { a, b } = await seedTwoTenants(setup);
  [tenantA, tenantB, skillOfA] = [a.tenantId, b.tenantId, a.rows.skills];
  counter = await startRoundTripCounter(testDb.appUrl);
  // One connection, so every transaction below runs on the same backend, one after another.
  db = await Database.open({ url: counter.url, contextKey: await testDb.contextKey(), maxConnections: 1 });
});
afterAll(async () => {
  await db?.close();
  await counter?.close();
  await testDb.drop();
});

/** Round trips `fn` costs on the wire. */
async function roundTrips(fn: () => Promise<unknown>): Promise<number> {
  counter.reset();
  await fn();
  return counter.count();
}

const readSkill = (tenantId: string, id: string) =>
  db.withTenant(tenantId, actor('reader'), (tx) => tx.select({ id: skills.id }).from(skills).where(eq(skills.id, id)));

test('a read is two round trips: the statement with BEGIN and its context, then COMMIT', async () => {
  await readSkill(tenantA, skillOfA); // the named context statement is parsed on this connection now
  expect(await roundTrips(() => readSkill(tenantA, skillOfA))).toBe(2);
  expect(
    await roundTrips(() =>
      db.withTenant(tenantA, actor('reader'), async (tx) => {
        await tx.select({ id: skills.id }).from(skills).where(eq(skills.id, skillOfA));
        await tx.select({ id: skills.id }).from(skills).where(eq(skills.slug, 'none'));
      }),
    ),
  ).toBe(3);
  // A first statement without parameters goes by the simple protocol, which cannot follow a pipeline.
  expect(await roundTrips(() => db.withTenant(tenantA, actor('reader'), (tx) => tx.execute(sql`select 1`)))).toBe(3);
  // A transaction that runs no statement never reaches the server, and its ticket is kept for the next.
  expect(await roundTrips(() => db.withTenant(tenantA, actor('reader'), async () => {}))).toBe(0);
  expect(await roundTrips(() => readSkill(tenantA, skillOfA))).toBe(2);
});

test('the first statement runs under its own context, never the previous transaction’s', async () => {
  expect(await readSkill(tenantA, skillOfA)).toHaveLength(1);
  // Same backend, next transaction, another tenant: A's skill is invisible to B's first statement.
  expect(await readSkill(tenantB, skillOfA)).toHaveLength(0);
  const seen = await db.withTenant(tenantB, actor('reader'), (tx) =>
    tx.execute<{ tenant: string }>(sql`select (platform.verified_context()).tenant_id as tenant where ${1}::int = 1`),
  );
  expect(seen.rows[0]?.tenant).toBe(tenantB);
});

test('on a direct connection a hot statement is parsed once and its plan reused, not planned per request', async () => {
  // Named from its usesBeforeNaming-th run in this process; then every run reuses the connection's plan.
  for (let i = 0; i < usesBeforeNaming + 8; i++) await readSkill(tenantA, skillOfA);
  const prepared = await db.withTenant(tenantA, actor('reader'), (tx) =>
    tx.execute<{ name: string; plans: number }>(
      sql`select name, (generic_plans + custom_plans)::int as plans from pg_prepared_statements
          where statement like ${'%"skills"."id" = $1%'}`,
    ),
  );
  expect(prepared.rows).toHaveLength(1);
  expect(prepared.rows[0]?.name).toMatch(/^skillhub\.[0-9a-f]{40}$/);
  expect(prepared.rows[0]?.plans).toBeGreaterThanOrEqual(8);
});

test('a connection names at most a few hot statements, so the census at every COMMIT stays cheap', async () => {
  // Every transaction's end lists the session's prepared statements (withTenant's census), at a few µs
  // each: a connection that named every statement it ever ran paid for all of them on every request.
  const distinctRead = (i: number) =>
    db.withTenant(tenantA, actor('reader'), (tx) =>
      tx.execute(sql`select id from skills where slug = ${`none-${i}`} and ${sql.raw(String(i))} >= 0`),
    );
  for (let i = 0; i < 40; i++) await distinctRead(i); // each run once: none is hot
  for (let round = 0; round < usesBeforeNaming; round++) {
    for (let i = 40; i < 80; i++) await distinctRead(i); // 40 hot statements
  }
  const named = await db.withTenant(tenantA, actor('reader'), (tx) =>
    tx.execute<{ statement: string }>(sql`select statement from pg_prepared_statements where ${1} = 1`),
  );
  const texts = named.rows.map((r) => r.statement);
  expect(texts.some((t) => t.includes("'none-") || /\b([0-9]|[1-3][0-9]) >= 0/.test(t))).toBe(false);
  expect(texts.filter((t) => / >= 0/.test(t)).length).toBeGreaterThan(0);
  // The driver's own, plus the context statement, which is always named.
  expect(texts.length).toBeLessThanOrEqual(preparedPerConnection + 1);
});

test('what goes to the connection past Drizzle (COPY) first runs under the context too', async () => {
  const counted = await db.withTenant(tenantA, actor('reader'), async () => {
    const client = await requireScope('test').connection();
    return (await client.query('select count(*)::int as n from skills')).rows[0]?.n;
  });
  expect(counted).toBe(1);
});

test('a first statement that fails rolls back, and the connection serves the next transaction', async () => {
  const failed = db.withTenant(tenantA, actor('reader'), (tx) => tx.execute(sql`select ${'not a number'}::int as n`));
  await expect(failed).rejects.toThrow();
  expect(await readSkill(tenantA, skillOfA)).toHaveLength(1);
  expect(await roundTrips(() => readSkill(tenantA, skillOfA))).toBe(2);
});

const oneRead = (tenantId: string, id: string) =>
  db.withTenant(tenantId, actor('reader'), (tx) => tx.select({ id: skills.id }).from(skills).where(eq(skills.id, id)), {
    oneRead: true,
  });

test('a one-statement read is one round trip: BEGIN, context, statement, COMMIT and cleanup leave together', async () => {
  await readSkill(tenantA, skillOfA); // the connection holds a ticket now
  expect(await roundTrips(() => oneRead(tenantA, skillOfA))).toBe(1);
  expect(await oneRead(tenantA, skillOfA)).toEqual([{ id: skillOfA }]);
  // Its end drew the next ticket and cleaned up: the next transaction is another tenant's, in two round trips.
  expect(await oneRead(tenantB, skillOfA)).toEqual([]);
  expect(await roundTrips(() => readSkill(tenantA, skillOfA))).toBe(2);
  const open = await db.withTenant(tenantA, actor('reader'), (tx) =>
    tx.execute<{ open: boolean }>(sql`select pg_current_xact_id_if_assigned() is null as open where ${1} = 1`),
  );
  expect(open.rows).toEqual([{ open: true }]);
});

test('a one-statement read refuses a second statement and a write, and leaves the connection usable', async () => {
  const second = db.withTenant(
    tenantA,
    actor('reader'),
    async (tx) => {
      await tx.select({ id: skills.id }).from(skills).where(eq(skills.id, skillOfA));
      // Its transaction has ended with the first statement: this one would run under no context.
      return tx.select({ id: skills.id }).from(skills).where(eq(skills.slug, 'none'));
    },
    { oneRead: true },
  );
  await expect(second).rejects.toMatchObject({ cause: { message: expect.stringMatching(/ran a second statement/) } });
  const write = db.withTenant(
    tenantA,
    actor('writer'),
    (tx) => tx.execute(sql`update skills set name = ${'changed in a read'} where id = ${skillOfA}`),
    { oneRead: true },
  );
  await expect(write).rejects.toMatchObject({ cause: { code: '25006' } });
  const names = await db.withTenant(tenantA, actor('reader'), (tx) =>
    tx.execute<{ name: string }>(sql`select name from skills where id = ${skillOfA}`),
  );
  expect(names.rows[0]?.name).not.toBe('changed in a read');
  // A failing statement rolls its transaction back; one that throws after its answer has committed already.
  await expect(
    db.withTenant(tenantA, actor('reader'), (tx) => tx.execute(sql`select ${'x'}::int as n`), { oneRead: true }),
  ).rejects.toThrow();
  await expect(
    db.withTenant(
      tenantA,
      actor('reader'),
      async (tx) => {
        await tx.select({ id: skills.id }).from(skills).where(eq(skills.id, skillOfA));
        throw new Error('not found, say');
      },
      { oneRead: true },
    ),
  ).rejects.toThrow('not found, say');
  expect(await oneRead(tenantA, skillOfA)).toEqual([{ id: skillOfA }]);
  expect(await roundTrips(() => readSkill(tenantA, skillOfA))).toBe(2);
});

test('one-statement reads of two tenants, more at once than the pool holds, each see their own, through killed connections', async () => {
  const pool = await testDb.openApp({ maxConnections: 4 });
  try {
    const listIds = (tenantId: string) =>
      pool.withTenant(tenantId, actor('reader'), (tx) => tx.select({ tenantId: skills.tenantId }).from(skills), {
        oneRead: true,
      });
    const reads = Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? tenantA : tenantB)).map(async (tenant) => ({
      tenant,
      seen: (await listIds(tenant)).map((r) => r.tenantId),
    }));
    for (const { tenant, seen } of await Promise.all(reads)) expect(new Set(seen)).toEqual(new Set([tenant]));
    // Backends killed while reads are in flight: each read answers its own rows or fails, never another's.
    const during = Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? tenantA : tenantB)).map((tenant) =>
      listIds(tenant).then(
        (rows) => ({ tenant, seen: rows.map((r) => r.tenantId) }),
        () => null,
      ),
    );
    await testDb.ownerQuery(
      `select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and usename <> current_user`,
    );
    for (const read of await Promise.all(during)) {
      if (read) expect(new Set(read.seen)).toEqual(new Set([read.tenant]));
    }
    expect((await listIds(tenantA)).every((r) => r.tenantId === tenantA)).toBe(true);
  } finally {
    await pool.close();
  }
});

test('a context statement that fails stops the statement pipelined behind it', async () => {
  const client = new pg.Client({ connectionString: testDb.ownerUrl });
  await client.connect();
  try {
    await client.query('create temporary table pipeline_probe (n int)');
    const pool = Object.assign(client, { release: () => {} }) as unknown as pg.PoolClient;
    const connection = new ContextFirstClient(pool);
    // An out-of-range setting: set_config raises, and PostgreSQL skips everything up to the Sync.
    connection.holdContext({ text: "select set_config('statement_timeout', $1, false)", values: ['-5'] }, false);
    await expect(connection.query('insert into pipeline_probe values ($1)', [1])).rejects.toThrow(/statement_timeout/);
    const { rows } = await client.query('select count(*)::int as n from pipeline_probe');
    expect(rows[0]?.n).toBe(0);
    // Nothing is held back any more: the next statement goes alone, and runs.
    await connection.query('insert into pipeline_probe values ($1)', [2]);
    expect((await client.query('select count(*)::int as n from pipeline_probe')).rows[0]?.n).toBe(1);
  } finally {
    await client.end();
  }
});
