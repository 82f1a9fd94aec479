// Regression for issue 11, finding 2: inside withTenant(A), one statement
// (`set_config('app.current_tenant_id', B, true)`, SET, RESET, a copied or
// forged context) switched the tenant the row policies trusted. Every attack
// below runs as the runtime role inside a real withTenant(A) transaction and
// must leave B's rows unread and untouched, on every tenant table.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type Database, type SQL, sql, systemActor, type TenantTx, tenantTableNames } from '../src/index.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';
import { actor, insertSql, parentsOf, seedTenantRows, type TenantRows, tableSpecs } from './support/tenant-rows.ts';

let testDb: TestDatabase;
let db: Database;
let tenantA: string;
let tenantB: string;
let rowsA: TenantRows;
let rowsB: TenantRows;
/** B's row in the two session tables, which tenant-rows.ts does not seed. */
let sessionB: { user_sessions: string; mfa_recovery_codes: string };
/** The context each tenant's withTenant set, read back by current_setting inside its own transaction. */
let copiedA: string;
let copiedB: string;
/** Every row of B, as the owner sees it, before any attack. */
let before: string;

/** A tenant-scoped table and how to reach B's rows in it. */
interface Target {
  table: string;
  /** The column that holds the tenant (tenants.id for the tenants table). */
  tenantColumn: string;
  /** B's row to update and delete; absent where the runtime role may only read. */
  idOfB?: () => string;
  mutable?: [column: string, value: unknown];
  /** A new row for B, tenant_id included. */
  newRowForB?: () => Record<string, unknown>;
}

const nine: Target[] = tenantTableNames.map((table) => ({
  table,
  tenantColumn: 'tenant_id',
  idOfB: () => rowsB[table],
  mutable: tableSpecs[table].mutable,
  newRowForB: () => ({ ...tableSpecs[table].values(parentsOf(rowsA)), tenant_id: tenantB }),
}));
const targets: Target[] = [
  ...nine,
  {
    table: 'user_sessions',
    tenantColumn: 'tenant_id',
    idOfB: () => sessionB.user_sessions,
    mutable: ['location', 'Elsewhere'],
    newRowForB: () => ({
      tenant_id: tenantB,
      user_id: rowsA.users,
      token_hash: randomUUID(),
      expires_at: new Date(Date.now() + 3_600_000),
    }),
  },
  {
    table: 'mfa_recovery_codes',
    tenantColumn: 'tenant_id',
    idOfB: () => sessionB.mfa_recovery_codes,
    mutable: ['code_hash', 'changed'],
    newRowForB: () => ({ tenant_id: tenantB, user_id: rowsA.users, code_hash: randomUUID() }),
  },
  { table: 'security_events', tenantColumn: 'tenant_id' },
  { table: 'audit_logs', tenantColumn: 'tenant_id' },
  { table: 'tenants', tenantColumn: 'id' },
];

/** What one statement did: the rows it read or wrote (and their tenants), or the SQLSTATE it failed with. */
type Outcome = { rows: number; tenants: unknown[] } | { error: string; message: string };
const rowsOf = (outcome: Outcome) => ('rows' in outcome ? outcome.rows : 0);

const failure = (error: unknown): Outcome => {
  const e = error as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  return { error: e.cause?.code ?? e.code ?? String(error), message: e.cause?.message ?? e.message ?? '' };
};

/** Runs `attack`, then `statement`, in one withTenant(A) transaction (rolled back), and reports the statement. */
async function underAttack(attack: (tx: TenantTx) => Promise<unknown>, statement: SQL): Promise<Outcome> {
  const rolledBack = new Error('roll back');
  let outcome: Outcome | undefined;
  try {
    await db.withTenant(tenantA, actor('attacker'), async (tx) => {
      await attack(tx);
      try {
        const result = await tx.execute<Record<string, unknown>>(statement);
        outcome = { rows: result.rowCount ?? result.rows.length, tenants: result.rows.map((r) => r.tenant_id) };
      } catch (error) {
        outcome = failure(error);
      }
      throw rolledBack;
    });
  } catch (error) {
    if (error !== rolledBack) outcome = failure(error);
  }
  if (!outcome) throw new Error('the statement never ran');
  return outcome;
}

const countRows = (target: Target, tenant: string | null) =>
  tenant === null
    ? sql`select 1 from ${sql.identifier(target.table)}`
    : sql`select 1 from ${sql.identifier(target.table)} where ${sql.identifier(target.tenantColumn)} = ${tenant}`;

const run = (statement: string) => (tx: TenantTx) => tx.execute(sql.raw(statement));
const setContext = (value: () => string) => (tx: TenantTx) =>
  tx.execute(sql`select set_config('app.context', ${value()}, true)`);

/**
 * What a context edited in SQL looks like: A's own, with B's id written over
 * A's in the signed payload (the signature left as it was).
 */
const editedToB = () => copiedA.split(tenantA).join(tenantB);
/** A context for B with a made-up signature. */
const madeUp = () =>
  `1:${'0'.repeat(64)}:${JSON.stringify({ t: tenantB, at: 'user', a: 'x', r: 'owner', q: null, ip: null, iat: Date.now(), n: 'n' })}`;

/** The attacks that try to reach B while A's context stays in place. */
const switches: [name: string, attack: (tx: TenantTx) => Promise<unknown>][] = [
  [
    'set_config(app.current_tenant_id, B, true)',
    (tx) => tx.execute(sql`select set_config('app.current_tenant_id', ${tenantB}, true)`),
  ],
  [
    'set_config(app.current_tenant_id, B, false)',
    (tx) => tx.execute(sql`select set_config('app.current_tenant_id', ${tenantB}, false)`),
  ],
  ['SET app.current_tenant_id = B', (tx) => tx.execute(sql.raw(`set app.current_tenant_id = '${tenantB}'`))],
  [
    'SET LOCAL app.current_tenant_id = B',
    (tx) => tx.execute(sql.raw(`set local app.current_tenant_id = '${tenantB}'`)),
  ],
  ['RESET app.current_tenant_id', run('reset app.current_tenant_id')],
  ["B's context, copied from B's own transaction and replayed later", setContext(() => copiedB)],
  [
    "B's context replayed with SET app.context",
    (tx) => tx.execute(sql.raw(`set app.context = '${copiedB.replace(/'/g, "''")}'`)),
  ],
  ["A's context edited to name B", setContext(editedToB)],
  ['a context for B with a made-up signature', setContext(madeUp)],
  [
    "B's context and B's plain setting together",
    async (tx) => {
      await tx.execute(sql`select set_config('app.current_tenant_id', ${tenantB}, true)`);
      await tx.execute(sql`select set_config('app.context', ${copiedB}, true)`);
    },
  ],
];

/** The attacks that take the context away: afterwards nothing is readable, not even A's rows. */
const removals: [name: string, attack: (tx: TenantTx) => Promise<unknown>][] = [
  ['RESET ALL', run('reset all')],
  ['RESET app.context', run('reset app.context')],
  ['SET app.context = DEFAULT', run('set app.context to default')],
  ["set_config(app.context, '', true)", (tx) => tx.execute(sql`select set_config('app.context', '', true)`)],
];

const snapshotOfB = async () => {
  const parts: unknown[] = [];
  for (const target of targets) {
    const { rows } = await testDb.ownerQuery(
      `select to_jsonb(t) as row from ${target.table} t where ${target.tenantColumn} = $1 order by 1`,
      [tenantB],
    );
    parts.push(rows);
  }
  return JSON.stringify(parts);
};

const contextOf = (tenant: string) =>
  db.withTenant(tenant, actor(), async (tx) => {
    const { rows } = await tx.execute<{ context: string }>(
      sql`select coalesce(current_setting('app.context', true), '') as context`,
    );
    return rows[0]?.context ?? '';
  });

async function seedSessionRows(tenant: string, rows: TenantRows) {
  return db.withTenant(tenant, actor(), async (tx) => {
    const session = {
      id: randomUUID(),
      user_id: rows.users,
      token_hash: randomUUID(),
      expires_at: new Date(Date.now() + 3_600_000),
    };
    const code = { id: randomUUID(), user_id: rows.users, code_hash: randomUUID() };
    await tx.execute(insertSql('user_sessions', session));
    await tx.execute(insertSql('mfa_recovery_codes', code));
    // One security event in the tenant (the signature of 0010's function, which 0023 keeps for the first argument).
    await tx.execute(sql`select platform.log_security_event('logout'::public.security_event_type)`);
    return { user_sessions: session.id, mfa_recovery_codes: code.id };
  });
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await testDb.openApp();
  tenantA = (await db.platform.createTenant({ name: 'Acme', slug: 'acme' }, systemActor('test'))).id;
  tenantB = (await db.platform.createTenant({ name: 'Globex', slug: 'globex' }, systemActor('test'))).id;
  rowsA = await seedTenantRows(db, tenantA);
  rowsB = await seedTenantRows(db, tenantB);
  await seedSessionRows(tenantA, rowsA);
  sessionB = await seedSessionRows(tenantB, rowsB);
  copiedA = await contextOf(tenantA);
  copiedB = await contextOf(tenantB);
  before = await snapshotOfB();
  // A context is accepted for a couple of seconds around its transaction's start; replay only after that.
  await new Promise((resolve) => setTimeout(resolve, 2_500));
});
afterAll(() => testDb.drop());

test('the copied contexts are real: each tenant sees its own rows inside its own transaction', async () => {
  expect(copiedB).not.toBe('');
  for (const [tenant, rows] of [
    [tenantA, rowsA],
    [tenantB, rowsB],
  ] as const) {
    const seen = await db.withTenant(tenant, actor(), (tx) =>
      tx.execute(sql`select 1 from skills where id = ${rows.skills}`),
    );
    expect(seen.rows).toHaveLength(1);
  }
});

describe.each(switches)('inside withTenant(A), after %s', (_name, attack) => {
  test.each(
    targets.map((t) => [t.table, t] as const),
  )('%s: not one row of B is read or written', async (_table, target) => {
    expect(rowsOf(await underAttack(attack, countRows(target, tenantB)))).toBe(0);
    const idOfB = target.idOfB?.();
    if (idOfB && target.mutable) {
      const [column, value] = target.mutable;
      const table = sql.identifier(target.table);
      const updated = await underAttack(
        attack,
        sql`update ${table} set ${sql.identifier(column)} = ${value} where id = ${idOfB}`,
      );
      expect(rowsOf(updated)).toBe(0);
      expect(rowsOf(await underAttack(attack, sql`delete from ${table} where id = ${idOfB}`))).toBe(0);
    }
    if (target.newRowForB) {
      const inserted = await underAttack(attack, insertSql(target.table, target.newRowForB()));
      expect(inserted).toMatchObject({ error: expect.any(String) });
      // Nor by leaving tenant_id to its default (the plain setting the attack may have changed): refused, or A's.
      const { tenant_id: _b, ...withoutTenant } = target.newRowForB();
      const defaulted = await underAttack(attack, insertSql(target.table, withoutTenant));
      if ('tenants' in defaulted) expect(defaulted.tenants).toEqual([tenantA]);
    }
  });
});

test('a context that is set but not the server’s is refused outright, not read as "no tenant"', async () => {
  const read = (attack: (tx: TenantTx) => Promise<unknown>) => underAttack(attack, sql`select 1 from skills`);
  expect(await read(setContext(() => copiedB))).toMatchObject({
    error: '42501',
    message: expect.stringContaining('for another transaction'),
  });
  expect(await read(setContext(editedToB))).toMatchObject({
    error: '42501',
    message: expect.stringContaining('does not verify'),
  });
  expect(await read(setContext(madeUp))).toMatchObject({
    error: '42501',
    message: expect.stringContaining('does not verify'),
  });
  expect(await read(setContext(() => copiedB.replace(/^\d+:/, '999:')))).toMatchObject({
    error: '42501',
    message: expect.stringContaining('does not hold'),
  });
});

test('after every attack, B is exactly as it was', async () => {
  expect(await snapshotOfB()).toBe(before);
});

describe.each(removals)('inside withTenant(A), after %s', (_name, attack) => {
  test.each(
    targets.map((t) => [t.table, t] as const),
  )('%s: nothing at all is readable, not even A', async (_table, target) => {
    expect(rowsOf(await underAttack(attack, countRows(target, null)))).toBe(0);
  });
});

test("A's own context, replayed in a later transaction, opens nothing", async () => {
  const client = new pg.Client({ connectionString: testDb.appUrl });
  await client.connect();
  try {
    await client.query('begin');
    await client.query(`select set_config('app.context', $1, true)`, [copiedA]);
    const read = await client
      .query('select 1 from skills')
      .then((r): Outcome => ({ rows: r.rowCount ?? 0, tenants: [] }), failure);
    await client.query('rollback');
    expect(read).toMatchObject({ error: '42501', message: expect.stringContaining('for another transaction') });
  } finally {
    await client.end();
  }
});
