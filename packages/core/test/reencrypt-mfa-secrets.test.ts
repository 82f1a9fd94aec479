import { randomBytes } from 'node:crypto';
import { reencryptMfaSecrets, secretKeyRing } from '@skillhub/core';
import { type Database, sql, systemActor } from '@skillhub/db';
import { createTestDatabase, type TestDatabase } from '@skillhub/db/testing';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { openMfaSecret } from '../src/identity/mfa-secret.ts';

/**
 * TOTP secrets written before sealing existed, and secrets under a key being
 * rotated out, are sealed with the current key by `reencryptMfaSecrets`
 * (what `skillhub secrets reencrypt` and every `skillhub serve` run): after
 * it the database holds no readable secret.
 */
let testDb: TestDatabase;
let db: Database;
const plain = 'JBSWY3DPEHPK3PXP';
const oldKey = randomBytes(32);
const newKey = randomBytes(32);
let users: { tenantId: string; id: string }[];

const stored = async () =>
  (
    await testDb.ownerQuery<{ tenant_id: string; id: string; mfa_secret: string }>(
      'select tenant_id, id, mfa_secret from users where mfa_secret is not null order by id',
    )
  ).rows;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await testDb.openApp({ checkTenantRouting: true });
  users = [];
  for (const slug of ['one', 'two']) {
    const tenant = await db.platform.createTenant({ name: slug, slug }, systemActor('test'));
    const { rows } = await db.withTenant(tenant.id, systemActor('test'), (tx) =>
      tx.execute<{ id: string }>(sql`insert into users (email, display_name) values ('u@x.test', 'U') returning id`),
    );
    users.push({ tenantId: tenant.id, id: rows[0]?.id ?? '' });
  }
  // As a database migrated from before 0021 holds them: plain, under a constraint not yet validated.
  const { rows } = await testDb.ownerQuery<{ def: string }>(
    `select pg_get_constraintdef(oid) as def from pg_constraint where conname = 'users_mfa_secret_sealed_check'`,
  );
  await testDb.ownerQuery('alter table users drop constraint users_mfa_secret_sealed_check');
  await testDb.ownerQuery('update users set mfa_secret = $1', [plain]);
  await testDb.ownerQuery(`alter table users add constraint users_mfa_secret_sealed_check ${rows[0]?.def}`);
});
afterAll(() => testDb.drop());

test('plain secrets are sealed, in every workspace (the default one too), and the constraint then validates', async () => {
  const ring = secretKeyRing([oldKey]);
  expect(await reencryptMfaSecrets(db, ring, systemActor('test'))).toEqual({ tenants: 2, resealed: 2 });
  const rows = await stored();
  expect(rows).toHaveLength(2);
  for (const row of rows) {
    expect(row.mfa_secret).toMatch(new RegExp(`^v1\\.${ring.current.id}\\.`));
    expect(openMfaSecret(ring, { tenantId: row.tenant_id, id: row.id }, row.mfa_secret)).toBe(plain);
  }
  await testDb.ownerQuery('alter table users validate constraint users_mfa_secret_sealed_check');
  // Again: nothing left to do.
  expect(await reencryptMfaSecrets(db, ring, systemActor('test'))).toEqual({ tenants: 0, resealed: 0 });
});

test('rotation: with the new key first and the old one kept, every secret moves to the new key', async () => {
  const rotating = secretKeyRing([newKey, oldKey]);
  expect((await reencryptMfaSecrets(db, rotating, systemActor('test'))).resealed).toBe(2);
  const newOnly = secretKeyRing([newKey]);
  for (const row of await stored()) {
    expect(openMfaSecret(newOnly, { tenantId: row.tenant_id, id: row.id }, row.mfa_secret)).toBe(plain);
  }
});

test('a sealed secret copied onto another user does not open there', async () => {
  const ring = secretKeyRing([newKey]);
  const [first, second] = await stored();
  if (!first || !second) throw new Error('two users expected');
  expect(() => openMfaSecret(ring, { tenantId: second.tenant_id, id: second.id }, first.mfa_secret)).toThrow();
});
