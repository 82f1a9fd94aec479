import { AppError, type AppErrorCode, toAppError } from '@skillhub/core';
import { type Database, DbError, type DbErrorCode, sql, systemActor } from '@skillhub/db';
import { createTestDatabase, type TestDatabase } from '@skillhub/db/testing';
import { afterAll, beforeAll, expect, test } from 'vitest';

/**
 * Every database error a request can provoke has a meaning for the client:
 * each case makes PostgreSQL itself raise the error, through withTenant as
 * the runtime role, and checks the code the client would see (never a 500).
 */
let testDb: TestDatabase;
let db: Database;
let tenantId: string;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await testDb.openApp();
  tenantId = (await db.platform.createTenant({ name: 'Acme', slug: 'acme' }, systemActor('test'))).id;
  await db.withTenant(tenantId, systemActor('test'), (tx) =>
    tx.execute(sql`insert into skills (slug, name) values ('taken', 'Taken')`),
  );
});
afterAll(() => testDb.drop());

interface Case {
  name: string;
  statements: ReturnType<typeof sql>[];
  dbCode: DbErrorCode;
  appCode: AppErrorCode;
}

const cases: Case[] = [
  {
    name: 'a duplicate slug',
    statements: [sql`insert into skills (slug, name) values ('taken', 'Again')`],
    dbCode: 'UNIQUE_VIOLATION',
    appCode: 'CONFLICT',
  },
  {
    // Not a skill's child: those are refused by the visibility policy (0024) before their foreign key is checked.
    name: 'a recovery code of a user that does not exist',
    statements: [sql`insert into mfa_recovery_codes (user_id, code_hash) values (gen_random_uuid(), 'x')`],
    dbCode: 'FOREIGN_KEY_VIOLATION',
    appCode: 'CONFLICT',
  },
  {
    name: 'a rating out of range',
    statements: [sql`insert into ratings (skill_id, user_id, score) select id, gen_random_uuid(), 9 from skills`],
    dbCode: 'CONSTRAINT_VIOLATION',
    appCode: 'VALIDATION_FAILED',
  },
  {
    name: 'a NUL byte in text',
    statements: [sql`select ${'a\u0000b'}::text`],
    dbCode: 'INVALID_VALUE',
    appCode: 'VALIDATION_FAILED',
  },
  {
    name: 'an impossible date',
    statements: [sql`select '9999-99-99T99:99:99Z'::timestamptz`],
    dbCode: 'INVALID_VALUE',
    appCode: 'VALIDATION_FAILED',
  },
  {
    name: 'year zero',
    statements: [sql`select '0000-01-01T00:00:00Z'::timestamptz`],
    dbCode: 'INVALID_VALUE',
    appCode: 'VALIDATION_FAILED',
  },
  {
    name: 'a number out of range',
    statements: [sql`select 1e308::numeric::int`],
    dbCode: 'INVALID_VALUE',
    appCode: 'VALIDATION_FAILED',
  },
  {
    name: 'a statement past its timeout',
    statements: [sql`set local statement_timeout = 10`, sql`select pg_sleep(1)`],
    dbCode: 'STATEMENT_TIMEOUT',
    appCode: 'UNAVAILABLE',
  },
];

test.each(cases)('$name is $dbCode, shown as $appCode', async ({ statements, dbCode, appCode }) => {
  const failure = await db
    .withTenant(tenantId, systemActor('test'), async (tx) => {
      for (const statement of statements) await tx.execute(statement);
    })
    .then(
      () => undefined,
      (error: unknown) => error,
    );
  expect(failure).toBeDefined();
  const shown = toAppError(failure);
  expect(shown).toBeInstanceOf(AppError);
  expect(shown?.code).toBe(appCode);
  expect((shown?.cause as DbError).code).toBe(dbCode);
  // The database's own words stay in the cause, never in what the client reads.
  expect(shown?.message).not.toMatch(/syntax|relation|constraint|sqlstate|invalid byte/i);
});

test('a deadlock between two transactions is a transient conflict, shown as UNAVAILABLE', async () => {
  const two = await testDb.openApp({ maxConnections: 2 });
  const ids = (
    await two.withTenant(tenantId, systemActor('test'), (tx) =>
      tx.execute<{ id: string }>(sql`insert into skills (slug, name) values ('d1', 'D1'), ('d2', 'D2') returning id`),
    )
  ).rows.map((r) => r.id);
  const [first, second] = ids as [string, string];
  let release: () => void = () => {};
  const bothLocked = new Promise<void>((resolve) => {
    let locked = 0;
    release = () => {
      if (++locked === 2) resolve();
    };
  });
  const lockInOrder = (a: string, b: string) =>
    two.withTenant(tenantId, systemActor('test'), async (tx) => {
      await tx.execute(sql`update skills set name = name where id = ${a}`);
      release();
      await bothLocked;
      await tx.execute(sql`update skills set name = name where id = ${b}`);
    });
  const outcomes = await Promise.allSettled([lockInOrder(first, second), lockInOrder(second, first)]);
  const failed = outcomes.find((o) => o.status === 'rejected');
  expect(failed).toBeDefined();
  expect(toAppError((failed as PromiseRejectedResult).reason)?.code).toBe('UNAVAILABLE');
});

test('a closed pool is UNAVAILABLE, not a 500', async () => {
  const closed = await testDb.openApp();
  await closed.close();
  const failure = await closed
    .withTenant(tenantId, systemActor('test'), (tx) => tx.execute(sql`select 1`))
    .catch((e: unknown) => e);
  expect(toAppError(failure)?.code).toBe('UNAVAILABLE');
});

test('errors of the code or the deployment stay 500s', () => {
  expect(toAppError(new DbError('NO_TENANT_CONTEXT', 'no context'))).toBeUndefined();
  expect(toAppError(new TypeError('x is undefined'))).toBeUndefined();
});
