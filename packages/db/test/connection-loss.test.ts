import { classifyDatabaseError, Database, sql, systemActor } from '@skillhub/db';
import { createTestDatabase, type TestDatabase } from '@skillhub/db/testing';
import { afterAll, beforeAll, expect, test } from 'vitest';

/**
 * Regression: node-postgres drops its error listener from a client while it
 * is checked out, so a backend that died mid-transaction (terminated, an
 * idle-in-transaction timeout, a restart) raised an unhandled 'error' event
 * and took the whole server process down.
 */
let testDb: TestDatabase;
let db: Database;
let tenantId: string;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await testDb.openApp({ maxConnections: 2 });
  tenantId = (await db.platform.createTenant({ name: 'Acme', slug: 'acme' }, systemActor('test'))).id;
});
afterAll(() => testDb.drop());

const terminateAppBackends = () =>
  testDb.ownerQuery(
    `select pg_terminate_backend(pid) from pg_stat_activity
     where datname = current_database() and pid <> pg_backend_pid() and usename <> current_user`,
  );

test('a backend killed inside a transaction fails that transaction, not the process, and the pool recovers', async () => {
  const failure = await db
    .withTenant(tenantId, systemActor('test'), async (tx) => {
      await tx.execute(sql`select 1`);
      await terminateAppBackends();
      // Let the termination notice reach the client before the next statement.
      await new Promise((resolve) => setTimeout(resolve, 200));
      await tx.execute(sql`select 1`);
    })
    .catch((error: unknown) => error);
  expect(failure).toBeInstanceOf(Error);
  const { rows } = await db.withTenant(tenantId, systemActor('test'), (tx) =>
    tx.execute<{ one: number }>(sql`select 1 as one`),
  );
  expect(rows).toEqual([{ one: 1 }]);
});

test('a caller waits a bounded time for a pooled connection, then fails as unreachable instead of hanging', async () => {
  const one = await testDb.openApp({ maxConnections: 1 });
  let release: () => void = () => {};
  const held = one.withTenant(tenantId, systemActor('test'), async (tx) => {
    await tx.execute(sql`select 1`);
    await new Promise<void>((resolve) => {
      release = resolve;
    });
  });
  const started = performance.now();
  const waited = await one
    .withTenant(tenantId, systemActor('test'), (tx) => tx.execute(sql`select 1`))
    .catch((error: unknown) => error);
  const ms = performance.now() - started;
  release();
  await held;
  expect(classifyDatabaseError(waited)?.code).toBe('DATABASE_UNREACHABLE');
  expect(ms).toBeGreaterThan(4_000);
  expect(ms).toBeLessThan(8_000);
});

/**
 * Regression: Drizzle's transaction() checks a client out of the pool and
 * sends BEGIN before its try/finally, so a BEGIN that failed (the backend
 * died while the client sat idle in the pool, as in a PostgreSQL restart)
 * never released the client: each such failure took one connection out of
 * the pool for good, until every request waited out the acquire timeout.
 */
test('a transaction whose BEGIN fails on a dead pooled connection gives the connection back', async () => {
  const one = await testDb.openApp({ maxConnections: 1 });
  const pid = await one.withTenant(tenantId, systemActor('test'), async (tx) => {
    const { rows } = await tx.execute<{ pid: number }>(sql`select pg_backend_pid() as pid`);
    return rows[0]?.pid ?? 0;
  });
  // Kill the idle client's backend (SIGTERM, as pg_terminate_backend does) and
  // block the event loop while it dies, so the pool hands the client out
  // before it can notice that its socket has closed.
  process.kill(pid, 'SIGTERM');
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
  const failure = await one
    .withTenant(tenantId, systemActor('test'), (tx) => tx.execute(sql`select 1`))
    .catch((error: unknown) => error);
  expect(classifyDatabaseError(failure)?.code).toBe('DATABASE_UNREACHABLE');
  const started = performance.now();
  const { rows } = await one.withTenant(tenantId, systemActor('test'), (tx) =>
    tx.execute<{ one: number }>(sql`select 1 as one`),
  );
  expect(rows).toEqual([{ one: 1 }]);
  expect(performance.now() - started).toBeLessThan(2_000);
});

test('a sink door whose BEGIN fails on a dead delivery connection gives the connection back', async () => {
  const one = await testDb.openApp({ deliveryConnections: 1 });
  try {
    await one.auditSinks.lease(10, 60);
    const { rows: backends } = await testDb.ownerQuery<{ pid: number }>(
      `select pid from pg_stat_activity
       where datname = current_database() and pid <> pg_backend_pid() and usename <> current_user`,
    );
    // Kill the idle delivery client's backend and block the event loop while it
    // dies, with no await in between, so the pool hands out the dead client
    // before it can notice (terminating through a query let the close arrive
    // while the query was awaited, and the pool then opened a fresh one).
    for (const { pid } of backends) process.kill(pid, 'SIGTERM');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
    const failure = await one.auditSinks.lease(10, 60).catch((error: unknown) => error);
    expect(classifyDatabaseError(failure)?.code).toBe('DATABASE_UNREACHABLE');
    const started = performance.now();
    await expect(one.auditSinks.lease(10, 60)).resolves.toEqual([]);
    expect(performance.now() - started).toBeLessThan(2_000);
  } finally {
    const closing = performance.now();
    await one.close();
    expect(performance.now() - closing).toBeLessThan(2_000);
  }
});

test('each tenant transaction is bounded: a long statement is cancelled, an idle transaction ended, and the pool goes on', async () => {
  const bounded = await Database.open({
    url: testDb.appUrl,
    contextKey: await testDb.contextKey(),
    maxConnections: 1,
    statementTimeoutMs: 200,
    idleInTransactionTimeoutMs: 300,
  });
  try {
    const slow = await bounded
      .withTenant(tenantId, systemActor('test'), (tx) => tx.execute(sql`select pg_sleep(2)`))
      .catch((error: unknown) => error);
    expect(classifyDatabaseError(slow)?.code).toBe('STATEMENT_TIMEOUT');
    const idle = await bounded
      .withTenant(tenantId, systemActor('test'), async (tx) => {
        await tx.execute(sql`select 1`);
        // A request stuck between two statements: the server ends the transaction and frees its connection.
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        await tx.execute(sql`select 1`);
      })
      .catch((error: unknown) => error);
    expect(idle).toBeInstanceOf(Error);
    const { rows } = await bounded.withTenant(tenantId, systemActor('test'), (tx) =>
      tx.execute<{ one: number }>(sql`select 1 as one`),
    );
    expect(rows).toEqual([{ one: 1 }]);
  } finally {
    await bounded.close();
  }
});

test("a statement cut short by its backend's dying postmaster reads as the database gone, not as a bug", () => {
  // What a Citus coordinator's waiting backends answered when its postmaster was killed (SQLSTATE XX000, with
  // the driver's error wrapped by Drizzle's, as a route sees it).
  for (const message of [
    'postmaster was shut down, exiting',
    'terminating connection due to unexpected postmaster exit',
  ]) {
    const driverError = Object.assign(new Error(message), { code: 'XX000' });
    const wrapped = new Error('Failed query: insert into skills ...', { cause: driverError });
    expect(classifyDatabaseError(wrapped)?.code).toBe('DATABASE_UNREACHABLE');
  }
  expect(classifyDatabaseError(Object.assign(new Error('internal error'), { code: 'XX000' }))).toBeUndefined();
});
