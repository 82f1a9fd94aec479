// The key tenant contexts are signed with: the runtime role cannot read it,
// and a server given the wrong one refuses to start rather than fail (or,
// worse, see nothing) on every tenant transaction.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Database, sql, systemActor } from '../src/index.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';
import { actor } from './support/tenant-rows.ts';

let testDb: TestDatabase;
let key: string;

beforeAll(async () => {
  testDb = await createTestDatabase();
  key = await testDb.contextKey();
});
afterAll(() => testDb.drop());

const open = (contextKey: string) => Database.open({ url: testDb.appUrl, contextKey, maxConnections: 1 });

test('the runtime role can read neither the key nor the claims function behind the check', async () => {
  const client = new pg.Client({ connectionString: testDb.appUrl });
  await client.connect();
  try {
    for (const statement of [
      'select secret from platform.context_keys',
      'select platform.context_claims()',
      'insert into platform.context_keys default values',
      `update platform.context_keys set retired_at = now()`,
    ]) {
      await expect(client.query(statement), statement).rejects.toMatchObject({ code: '42501' });
    }
  } finally {
    await client.end();
  }
});

test('Database.open refuses a malformed key, a key the database does not hold, and a retired one', async () => {
  await expect(open('not a key')).rejects.toMatchObject({ code: 'INVALID_CONTEXT_KEY' });
  const wrongSecret = `${key.split(':')[0]}:${randomBytes(32).toString('hex')}`;
  await expect(open(wrongSecret)).rejects.toMatchObject({
    code: 'INVALID_CONTEXT_KEY',
    message: expect.stringContaining('does not verify'),
  });
  await expect(open(`999:${randomBytes(32).toString('hex')}`)).rejects.toMatchObject({
    code: 'INVALID_CONTEXT_KEY',
    message: expect.stringContaining('does not hold or has retired'),
  });
  const db = await open(key);
  await db.close();
});

test('rotation: a new key signs, the old one verifies until it is retired, then nothing it signed does', async () => {
  const tenant = (
    await testDb.ownerQuery<{ id: string }>(`insert into tenants (name, slug) values ('R', 'rotation') returning id`)
  ).rows[0]?.id as string;
  const old = await open(key);
  try {
    await testDb.ownerQuery('insert into platform.context_keys default values');
    const fresh = await testDb.contextKeyUncached();
    expect(fresh).not.toBe(key);
    const rotated = await open(fresh);
    const tenantOf = (db: Database) =>
      db.withTenant(tenant, actor(), async (tx) => (await tx.execute(sql`select id from tenants`)).rows.length);
    expect([await tenantOf(old), await tenantOf(rotated)]).toEqual([1, 1]);
    await testDb.ownerQuery(`update platform.context_keys set retired_at = now() where id = $1`, [
      Number(key.split(':')[0]),
    ]);
    await expect(tenantOf(old)).rejects.toMatchObject({ cause: { code: '42501' } });
    expect(await tenantOf(rotated)).toBe(1);
    await rotated.close();
  } finally {
    await old.close();
  }
});

test('the actor’s workspace role travels in the verified context, and SQL cannot change it', async () => {
  // The newest key: the rotation above retired the first.
  const db = await open(await testDb.contextKeyUncached());
  try {
    const tenant = (await db.platform.createTenant({ name: 'Roles', slug: 'roles' }, systemActor('test'))).id;
    const roleAs = (role: 'owner' | 'admin' | 'member' | null) =>
      db.withTenant(tenant, { ...actor(), role }, async (tx) => {
        await tx.execute(sql`select set_config('app.actor_role', 'owner', true)`);
        const { rows } = await tx.execute<{ role: string | null }>(sql`select platform.current_actor_role() as role`);
        return rows[0]?.role;
      });
    expect([await roleAs('member'), await roleAs('admin'), await roleAs(null)]).toEqual(['member', 'admin', null]);
  } finally {
    await db.close();
  }
});
