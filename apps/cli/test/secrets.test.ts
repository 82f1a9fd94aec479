import { randomBytes } from 'node:crypto';
import { isSealed, secretKeyRing } from '@skillhub/core';
import { type Database, sql, systemActor } from '@skillhub/db';
import { createTestDatabase, type TestDatabase } from '@skillhub/db/testing';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { envFor, runCli } from './support/run-cli.ts';

// `skillhub secrets reencrypt` leaves no readable TOTP secret behind, from
// a database whose secrets were written before they were sealed.
let testDb: TestDatabase;
let db: Database;
const key = randomBytes(32);

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await testDb.openApp();
  const tenant = await db.platform.createTenant({ name: 'Acme', slug: 'acme' }, systemActor('test'));
  await db.withTenant(tenant.id, systemActor('test'), (tx) =>
    tx.execute(sql`insert into users (email, display_name) values ('ada@acme.example', 'Ada')`),
  );
  const { rows } = await testDb.ownerQuery<{ def: string }>(
    `select pg_get_constraintdef(oid) as def from pg_constraint where conname = 'users_mfa_secret_sealed_check'`,
  );
  await testDb.ownerQuery('alter table users drop constraint users_mfa_secret_sealed_check');
  await testDb.ownerQuery(`update users set mfa_secret = 'JBSWY3DPEHPK3PXP'`);
  await testDb.ownerQuery(`alter table users add constraint users_mfa_secret_sealed_check ${rows[0]?.def}`);
});
afterAll(() => testDb.drop());

test('seals the plain secrets with the configured key, then has nothing left to do', async () => {
  const env = { ...envFor(testDb), SKILLHUB_SECRETS_KEY: key.toString('base64') };
  const keyId = secretKeyRing([key]).current.id;
  const first = await runCli(['secrets', 'reencrypt'], env);
  expect(first.stderr).toBe('');
  expect(first.stdout).toMatch(new RegExp(`^1 TOTP secrets sealed with key ${keyId} in 1 workspaces\\n$`));
  expect(first.code).toBe(0);
  const { rows } = await testDb.ownerQuery<{ mfa_secret: string }>('select mfa_secret from users');
  expect(rows.map((r) => isSealed(r.mfa_secret) && r.mfa_secret.startsWith(`v1.${keyId}.`))).toEqual([true]);
  expect(JSON.stringify(rows)).not.toContain('JBSWY3DPEHPK3PXP');
  expect((await runCli(['secrets', 'reencrypt'], env)).stdout).toMatch(/^0 TOTP secrets sealed/);
});
