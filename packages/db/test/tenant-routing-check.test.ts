// On Citus a statement is routed to one shard only by a tenant_id condition of its own; the policy's
// does not count (docs/citus.md, step 4). `checkTenantRouting` makes a statement inside withTenant
// that scans a tenant table without `tenant_id = $n`, bound to the transaction's tenant, fail its tests.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { and, type Database, eq, sameTenant, skills, sql, systemActor, users } from '../src/index.ts';
import { unroutedMentions } from '../src/tenant-context/routing-check.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';
import { actor } from './support/tenant-rows.ts';

let testDb: TestDatabase;
let db: Database;
let tenantA: string;
let tenantB: string;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await testDb.openApp({ checkTenantRouting: true, maxConnections: 2 });
  tenantA = (await db.platform.createTenant({ name: 'Acme', slug: 'acme' }, systemActor('test'))).id;
  tenantB = (await db.platform.createTenant({ name: 'Globex', slug: 'globex' }, systemActor('test'))).id;
});
afterAll(async () => {
  await testDb.drop();
});

// Drizzle wraps what the client throws in an error naming the statement.
const unrouted = { cause: { code: 'UNROUTED_TENANT_QUERY' } };

test('a query on a tenant table without the tenant is refused, with it it runs', async () => {
  await db.withTenant(tenantA, actor(), async (tx) => {
    await expect(tx.select().from(skills).where(eq(skills.slug, 'x'))).rejects.toMatchObject({
      cause: {
        code: 'UNROUTED_TENANT_QUERY',
        message: expect.stringContaining('skills: 1 mention(s), 0 with skills.tenant_id = $n'),
      },
    });
    await expect(
      tx
        .select()
        .from(skills)
        .where(and(sameTenant(skills.tenantId), eq(skills.slug, 'x'))),
    ).resolves.toEqual([]);
    // A joined table wants its own condition.
    const joined = tx.select({ id: skills.id }).from(skills).innerJoin(users, eq(users.id, skills.authorId));
    await expect(joined.where(sameTenant(skills.tenantId))).rejects.toMatchObject(unrouted);
    await expect(
      tx
        .select({ id: skills.id })
        .from(skills)
        .innerJoin(users, and(eq(users.id, skills.authorId), sameTenant(users.tenantId)))
        .where(sameTenant(skills.tenantId)),
    ).resolves.toEqual([]);
    // Raw SQL: each alias, sub-selects included; updates and deletes too.
    await expect(
      tx.execute(sql`select count(*) from skills s where s.id in (select skill_id from ratings)`),
    ).rejects.toMatchObject(unrouted);
    await expect(
      tx.execute(
        sql`select count(*) from skills s where ${sameTenant('s')} and s.id in (select skill_id from ratings where ${sameTenant('ratings')})`,
      ),
    ).resolves.toBeDefined();
    await expect(tx.execute(sql`delete from api_keys where id = gen_random_uuid()`)).rejects.toMatchObject(unrouted);
    await expect(tx.update(users).set({ displayName: 'x' }).where(eq(users.email, 'nobody'))).rejects.toMatchObject(
      unrouted,
    );
    // Another tenant's id, bound, is no routing for this transaction; a literal is not a bound value.
    await expect(tx.select().from(skills).where(eq(skills.tenantId, tenantB))).rejects.toMatchObject(unrouted);
    await expect(
      tx.execute(sql.raw(`select * from skills where skills.tenant_id = '${tenantA}'`)),
    ).rejects.toMatchObject(unrouted);
    // Inserts take the tenant from a default, and calls of functions run where they are called.
    await expect(tx.execute(sql`select platform.current_tenant_id()`)).resolves.toBeDefined();
  });
});

test('sameTenant works only inside withTenant', () => {
  expect(() => sameTenant(skills.tenantId)).toThrow(/only inside withTenant/);
});

test('the check reads aliases, quoting and schemas, and ignores comments and strings', () => {
  const t = 'tenant-a';
  expect(unroutedMentions('select * from "skills" "s" where "s"."tenant_id" = $1', [t], t)).toEqual([]);
  expect(unroutedMentions('select * from public.skills where skills.tenant_id = $1', [t], t)).toEqual([]);
  expect(unroutedMentions('select * from audit.seals s', [], t)).toEqual([]);
  expect(unroutedMentions("select 'from skills' -- from users\n", [], t)).toEqual([]);
  expect(unroutedMentions('delete from ratings s using ratings t where s.tenant_id = $1', [t], t)).toEqual([
    'ratings (as t): 1 mention(s), 0 with t.tenant_id = $n bound to the tenant',
  ]);
});
