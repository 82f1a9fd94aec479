import pg from 'pg';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { type Database, runDoctor, sql, systemActor } from '../src/index.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';
import { actor } from './support/tenant-rows.ts';

/**
 * Every column of a tracked table has a class (migration 0046), and the
 * class decides what the ledger keeps in clear. A column added without one
 * fails the doctor; once classified personal, its values are sealed in the
 * event's envelope by the next write, with no capture to regenerate.
 */
let testDb: TestDatabase;
let db: Database;
let tenantId: string;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await testDb.openApp();
  tenantId = (await db.platform.createTenant({ name: 'Acme', slug: 'acme' }, systemActor('test'))).id;
});
afterAll(() => testDb.drop());

const classificationFailures = async () =>
  (await runDoctor({ ownerUrl: testDb.ownerUrl, runtimeRole: inject('skillhubTestCluster').appRole.name }))
    .filter((r) => r.check === 'personal_fields_classified' && !r.ok)
    .map((r) => `${r.target}: ${r.detail}`);

const ledgerText = async () =>
  (await testDb.ownerQuery<{ j: string }>('select l::text as j from audit_logs l')).rows.map((r) => r.j).join('\n');

test('the migrated schema classifies every tracked column', async () => {
  expect(await classificationFailures()).toEqual([]);
});

test('a phone column added without a class fails the doctor, and is sealed once classified personal', async () => {
  await testDb.ownerQuery('alter table users add column phone text');
  await testDb.ownerQuery('select audit.refresh_tracking()');
  expect(await classificationFailures()).toEqual(['public.users: columns with no class: phone']);

  await testDb.ownerQuery(`select audit.classify_columns('users', 'personal', array['phone'])`);
  expect(await classificationFailures()).toEqual([]);
  await db.withTenant(tenantId, actor(), (tx) =>
    tx.execute(sql`insert into users (email, display_name, phone) values ('pat@acme.test', 'Pat', '+44 7700 900123')`),
  );
  const ledger = await ledgerText();
  for (const value of ['pat@acme.test', '+44 7700 900123', '"Pat"']) expect(ledger).not.toContain(value);
  const { rows } = await testDb.ownerQuery<{ fields: string[][] }>(
    `select e.value -> 'fields' as fields from audit_logs l, jsonb_each(l.personal) e
     where l.action = 'users.insert' and l.tenant_id = $1`,
    [tenantId],
  );
  expect(rows[0]?.fields).toEqual(
    expect.arrayContaining([
      ['new_record', 'phone'],
      ['new_record', 'email'],
    ]),
  );
});

test('a secret class the capture still copies, and personal columns with no subject, fail too', async () => {
  await testDb.ownerQuery(`select audit.classify_columns('skills', 'secret', array['content'])`);
  await testDb.ownerQuery(`select audit.classify_columns('skill_reviews', 'personal', array['notes'])`);
  expect((await classificationFailures()).sort()).toEqual([
    'public.skill_reviews: personal columns but no subject column to key them by',
    'public.skills: secret columns change capture still copies: content',
  ]);
  await testDb.ownerQuery(`select audit.classify_columns('skills', 'ordinary', array['content'])`);
  await testDb.ownerQuery(`select audit.classify_columns('skill_reviews', 'ordinary', array['notes'])`);
});

test('classifying is the owner’s: the runtime role can neither read nor change the classes', async () => {
  const client = new pg.Client({ connectionString: testDb.appUrl });
  await client.connect();
  try {
    for (const statement of [
      'select * from audit.column_classes',
      `select audit.classify_columns('users', 'ordinary', array['email'])`,
      `insert into audit.personal_metadata_keys values ('nothing')`,
    ]) {
      await expect(client.query(statement), statement).rejects.toMatchObject({ code: '42501' });
    }
  } finally {
    await client.end();
  }
});
