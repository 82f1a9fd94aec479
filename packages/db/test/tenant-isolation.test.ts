import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type Database, sql, systemActor, type TenantTableName, tenantTableNames } from '../src/index.ts';
import { parseContextKey } from '../src/tenant-context/context-key.ts';
import { beginBoundText, bindingOf, signTenantContext } from '../src/tenant-context/context-token.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';
import { actor, insertSql, parentsOf, seedTenantRows, type TenantRows, tableSpecs } from './support/tenant-rows.ts';

let testDb: TestDatabase;
let db: Database;
let tenantA: string;
let tenantB: string;
let rowsA: TenantRows;
let rowsB: TenantRows;
// Parents in a third tenant whose ids no other test copies into tenant A.
let rowsC: TenantRows;

const pgCode = (error: unknown): string | undefined => {
  const e = error as { code?: string; cause?: { code?: string } };
  return e.cause?.code ?? e.code;
};

/** Runs fn and returns the PostgreSQL error code it failed with; fails the test if it succeeded. */
const failureCode = async (fn: () => Promise<unknown>): Promise<string | undefined> => {
  try {
    await fn();
  } catch (error) {
    return pgCode(error);
  }
  throw new Error('expected the statement to be rejected, but it succeeded');
};

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await testDb.openApp();
  tenantA = (await db.platform.createTenant({ name: 'Acme', slug: 'acme' }, systemActor('test'))).id;
  tenantB = (await db.platform.createTenant({ name: 'Globex', slug: 'globex' }, systemActor('test'))).id;
  rowsA = await seedTenantRows(db, tenantA);
  rowsB = await seedTenantRows(db, tenantB);
  rowsC = await seedTenantRows(
    db,
    (await db.platform.createTenant({ name: 'Initech', slug: 'initech' }, systemActor('test'))).id,
  );
});
afterAll(() => testDb.drop());

const countAs = (tenantId: string, table: string, id: string) =>
  db.withTenant(tenantId, actor(), async (tx) => {
    const r = await tx.execute<{ n: number }>(
      sql`select count(*)::int as n from ${sql.identifier(table)} where id = ${id}`,
    );
    return r.rows[0]?.n;
  });

describe('without a tenant context, as the runtime role', () => {
  let client: pg.Client;
  beforeAll(async () => {
    client = new pg.Client({ connectionString: testDb.appUrl });
    await client.connect();
  });
  afterAll(() => client.end());

  test.each(tenantTableNames)('%s shows zero rows and accepts no write', async (table) => {
    const count = await client.query(`select count(*)::int as n from ${table}`);
    expect(count.rows[0].n).toBe(0);
    const values = tableSpecs[table].values(parentsOf(rowsA));
    const columns = Object.keys(values);
    // With no tenant, tenant_id defaults to NULL; naming a tenant fails the policy.
    const withoutTenant = await failureCode(() =>
      client.query(
        `insert into ${table} (${columns.join(', ')}) values (${columns.map((_, i) => `$${i + 1}`).join(', ')})`,
        columns.map((c) => values[c]),
      ),
    );
    expect(['23502', '42501']).toContain(withoutTenant);
    const namingTenant = await failureCode(() =>
      client.query(
        `insert into ${table} (tenant_id, ${columns.join(', ')}) values ($1, ${columns.map((_, i) => `$${i + 2}`).join(', ')})`,
        [tenantA, ...columns.map((c) => values[c])],
      ),
    );
    expect(namingTenant).toBe('42501');
    const updated = await client.query(`update ${table} set ${tableSpecs[table].mutable[0]} = $1`, [
      tableSpecs[table].mutable[1],
    ]);
    expect(updated.rowCount).toBe(0);
    expect((await client.query(`delete from ${table}`)).rowCount).toBe(0);
  });
});

describe.each(tenantTableNames)('%s: tenant A against tenant B', (table: TenantTableName) => {
  const spec = tableSpecs[table];

  test("A cannot select, update, delete or upsert B's row by id", async () => {
    const idB = rowsB[table];
    await db.withTenant(tenantA, actor(), async (tx) => {
      const selected = await tx.execute(sql`select * from ${sql.identifier(table)} where id = ${idB}`);
      expect(selected.rows).toHaveLength(0);
      const updated = await tx.execute(
        sql`update ${sql.identifier(table)} set ${sql.identifier(spec.mutable[0])} = ${spec.mutable[1]} where id = ${idB} returning *`,
      );
      expect(updated.rows).toHaveLength(0);
      const deleted = await tx.execute(sql`delete from ${sql.identifier(table)} where id = ${idB} returning *`);
      expect(deleted.rows).toHaveLength(0);
    });
    // An upsert naming B's tenant is refused outright...
    const upsertCode = await failureCode(() =>
      db.withTenant(tenantA, actor(), (tx) =>
        tx.execute(insertSql(table, { tenant_id: tenantB, ...spec.values(parentsOf(rowsA)), id: idB })),
      ),
    );
    expect(upsertCode).toBe('42501');
    // ...and one that leaves tenant_id to the context can only ever touch A's key space.
    await db.withTenant(tenantA, actor(), async (tx) => {
      const values: Record<string, unknown> = { ...spec.values(parentsOf(rowsA)), id: idB };
      const columns = Object.keys(values);
      await tx
        .execute(
          sql`insert into ${sql.identifier(table)} (${sql.join(
            columns.map((c) => sql.identifier(c)),
            sql`, `,
          )})
            values (${sql.join(
              columns.map((c) => sql`${values[c]}`),
              sql`, `,
            )})
            on conflict (tenant_id, id) do update set ${sql.identifier(spec.mutable[0])} = excluded.${sql.identifier(spec.mutable[0])}`,
        )
        .catch((error: unknown) => {
          // Another of A's own unique keys (one review per skill, ...) may refuse the copy.
          if (pgCode(error) !== '23505') throw error;
        });
    });
    // B's row is exactly as it was.
    const after = await db.withTenant(tenantB, actor(), (tx) =>
      tx.execute<Record<string, unknown>>(
        sql`select ${sql.identifier(spec.mutable[0])} as v, tenant_id from ${sql.identifier(table)} where id = ${idB}`,
      ),
    );
    expect(after.rows).toHaveLength(1);
    expect(after.rows[0]?.tenant_id).toBe(tenantB);
    expect(after.rows[0]?.v).not.toEqual(spec.mutable[1]);
  });

  test('A cannot insert a row for B, nor move its own row to B', async () => {
    const insertCode = await failureCode(() =>
      db.withTenant(tenantA, actor(), (tx) =>
        tx.execute(insertSql(table, { ...spec.values(parentsOf(rowsA)), tenant_id: tenantB })),
      ),
    );
    expect(insertCode).toBe('42501');
    const moveCode = await failureCode(() =>
      db.withTenant(tenantA, actor(), (tx) =>
        tx.execute(sql`update ${sql.identifier(table)} set tenant_id = ${tenantB} where id = ${rowsA[table]}`),
      ),
    );
    expect(moveCode).toBe('42501');
    expect(await countAs(tenantA, table, rowsA[table])).toBe(1);
  });

  test.runIf(spec.parentColumn !== undefined)("a row of A cannot point at another tenant's parent", async () => {
    const column = spec.parentColumn ?? 'userId';
    const parents = { ...parentsOf(rowsA), [column]: parentsOf(rowsC)[column] };
    const code = await failureCode(() =>
      db.withTenant(tenantA, actor(), (tx) => tx.execute(insertSql(table, spec.values(parents)))),
    );
    // A skill's child is refused by its policy (its skill is not visible, migration 0024) before the foreign key.
    expect(column === 'skillId' ? ['42501', '23503'] : ['23503']).toContain(code);
  });
});

test('the same skill slug is fine in two tenants and refused twice in one', async () => {
  for (const tenant of [tenantA, tenantB]) {
    await db.withTenant(tenant, actor(), (tx) =>
      tx.execute(insertSql('skills', { slug: 'shared-slug', name: 'Shared' })),
    );
  }
  const code = await failureCode(() =>
    db.withTenant(tenantA, actor(), (tx) => tx.execute(insertSql('skills', { slug: 'shared-slug', name: 'Again' }))),
  );
  expect(code).toBe('23505');
});

test('a pool of one connection alternating tenants 1,000 times never leaks, even after errors', async () => {
  const single = await testDb.openApp({ maxConnections: 1 });
  const userCount = (tenant: string) =>
    single.withTenant(tenant, actor(), async (tx) => {
      const r = await tx.execute<{ n: number }>(sql`select count(*)::int as n from users`);
      return r.rows[0]?.n;
    });
  const before = [await userCount(tenantA), await userCount(tenantB)];
  for (let i = 0; i < 1000; i++) {
    const tenant = i % 2 === 0 ? tenantA : tenantB;
    const throwInside = i % 10 === 3;
    const outcome = single.withTenant(tenant, actor(), async (tx) => {
      const rows = await tx.execute<{ tenant_id: string; setting: string }>(
        sql`select tenant_id, current_setting('app.current_tenant_id', true) as setting from users`,
      );
      expect(rows.rows.length).toBeGreaterThan(0);
      for (const row of rows.rows) {
        expect(row.tenant_id).toBe(tenant);
        expect(row.setting).toBe(tenant);
      }
      if (throwInside) {
        await tx.execute(insertSql('users', tableSpecs.users.values(parentsOf(rowsA))));
        throw new Error('boom');
      }
    });
    if (throwInside) await expect(outcome).rejects.toThrow('boom');
    else await outcome;
  }
  // Every failed transaction rolled back its insert.
  expect([await userCount(tenantA), await userCount(tenantB)]).toEqual(before);
});

test('50 tenants in concurrent transactions on a pool of 4: every row read is the reader’s', async () => {
  // Hundreds of transactions queue for 4 connections: on a loaded machine the wait can pass the 5 s
  // default, which is not what this test is about.
  const pool = await testDb.openApp({ maxConnections: 4, acquireTimeoutMs: 120_000 });
  const tenants = await Promise.all(
    Array.from({ length: 50 }, (_, i) =>
      pool.platform.createTenant({ name: `T${i}`, slug: `concurrent-${i}` }, systemActor('test')),
    ),
  );
  await Promise.all(tenants.map((t) => seedTenantRows(pool, t.id)));
  const reads = tenants.flatMap((t) =>
    Array.from({ length: 6 }, () =>
      pool.withTenant(t.id, actor(), async (tx) => {
        const rows = await tx.execute<{ tenant_id: string }>(
          sql`select tenant_id from skills union all select tenant_id from ratings union all select pg_sleep(0.001)::text`,
        );
        return { expected: t.id, seen: rows.rows.map((r) => r.tenant_id).filter((id) => id !== '') };
      }),
    ),
  );
  const results = await Promise.all(reads);
  expect(results).toHaveLength(300);
  for (const { expected, seen } of results) {
    expect(seen.length).toBe(2);
    expect(new Set(seen)).toEqual(new Set([expected]));
  }
});

test("a prepared statement reused on one connection never returns A's rows to B", async () => {
  const key = parseContextKey(await testDb.contextKey());
  const client = new pg.Client({ connectionString: testDb.appUrl });
  await client.connect();
  try {
    // Past five executions PostgreSQL may switch to a generic plan; run well beyond that.
    for (let i = 0; i < 20; i++) {
      const tenant = i % 2 === 0 ? tenantA : tenantB;
      const began = (await client.query(beginBoundText)) as unknown as pg.QueryResult[];
      const binding = bindingOf(began[1]?.rows[0]);
      await client.query(`select set_config('app.context', $1, true)`, [
        signTenantContext(key, tenant, actor(), binding),
      ]);
      const result = await client.query({ name: 'list-skill-tenants', text: 'select tenant_id, id from skills' });
      await client.query('commit');
      expect(result.rows.length).toBeGreaterThan(0);
      expect(new Set(result.rows.map((r) => r.tenant_id))).toEqual(new Set([tenant]));
    }
  } finally {
    await client.end();
  }
});

test('a nested withTenant runs in a savepoint; a nested call for another tenant is refused', async () => {
  await db.withTenant(tenantA, actor(), async (tx) => {
    await tx.execute(insertSql('skills', { slug: 'kept', name: 'Kept' }));
    await expect(
      db.withTenant(tenantA, actor(), async (inner) => {
        await inner.execute(insertSql('skills', { slug: 'rolled-back', name: 'Gone' }));
        throw new Error('inner failure');
      }),
    ).rejects.toThrow('inner failure');
    await expect(db.withTenant(tenantB, actor(), async () => {})).rejects.toMatchObject({ code: 'TENANT_MISMATCH' });
  });
  const slugs = await db.withTenant(tenantA, actor(), (tx) =>
    tx.execute<{ slug: string }>(sql`select slug from skills where slug in ('kept', 'rolled-back')`),
  );
  expect(slugs.rows.map((r) => r.slug)).toEqual(['kept']);
});
