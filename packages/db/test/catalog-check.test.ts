import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { checkTenantIsolation, Database, withCredentials } from '../src/index.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';

let testDb: TestDatabase;
const runtimeRole = () => inject('skillhubTestCluster').appRole.name;

beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(() => testDb.drop());

const failures = async (target: TestDatabase) =>
  (await checkTenantIsolation(target.ownerUrl, runtimeRole()))
    .filter((r) => !r.ok)
    .map((r) => `${r.check} ${r.target}`);

test('the migrated schema passes every isolation check, on every table with tenant_id', async () => {
  const results = await checkTenantIsolation(testDb.ownerUrl, runtimeRole());
  const tables = new Set(results.filter((r) => r.check === 'rls_forced').map((r) => r.target));
  for (const table of [
    'users',
    'skills',
    'skill_versions',
    'ratings',
    'usage_events',
    'skill_embeddings',
    'skill_reviews',
    'api_keys',
    'site_settings',
    'audit_logs',
  ]) {
    expect(tables).toContain(`public.${table}`);
  }
  expect(results.filter((r) => !r.ok)).toEqual([]);
});

test.each([
  ['alter table ratings no force row level security', 'rls_forced public.ratings'],
  ['alter table skills disable row level security', 'rls_enabled public.skills'],
  [
    `drop policy tenant_isolation on skill_reviews;
     create policy tenant_isolation on skill_reviews using (tenant_id = (select current_setting('app.current_tenant_id', true)))`,
    'policy_complete public.skill_reviews',
  ],
  ['drop policy tenant_isolation on usage_events', 'policy_present public.usage_events'],
  [
    `create table notes (tenant_id text not null, id int primary key);
     alter table notes enable row level security; alter table notes force row level security;
     create policy p on notes using (tenant_id = (select platform.current_tenant_id()))
       with check (tenant_id = (select platform.current_tenant_id()))`,
    'tenant_index public.notes',
  ],
  // A plain setting is what any statement in the transaction can change.
  [
    `alter policy tenant_isolation on ratings
       using (tenant_id = (select current_setting('app.current_tenant_id', true)))
       with check (tenant_id = (select current_setting('app.current_tenant_id', true)))`,
    'policy_complete public.ratings',
  ],
])('a broken schema fails the check: %s', async (breakage, expected) => {
  const broken = await createTestDatabase();
  try {
    await broken.ownerQuery(breakage);
    expect(await failures(broken)).toEqual([expected]);
  } finally {
    await broken.drop();
  }
});

test('the check and startup both refuse a superuser or BYPASSRLS runtime role', async () => {
  const name = `skillhub_bypass_${randomBytes(4).toString('hex')}`;
  await testDb.ownerQuery(`create role ${name} login password 'pw' bypassrls; grant skillhub_app to ${name}`);
  try {
    expect((await checkTenantIsolation(testDb.ownerUrl, name)).filter((r) => !r.ok).map((r) => r.check)).toEqual([
      'runtime_role_safe',
    ]);
    await expect(
      Database.open({
        url: withCredentials(testDb.ownerUrl, { name, password: 'pw' }),
        contextKey: await testDb.contextKey(),
      }),
    ).rejects.toMatchObject({ code: 'UNSAFE_RUNTIME_ROLE', message: expect.stringContaining('BYPASSRLS') });
  } finally {
    await testDb.ownerQuery(`drop role ${name}`);
  }
  // The owner connection string is a superuser's.
  await expect(Database.open({ url: testDb.ownerUrl, contextKey: await testDb.contextKey() })).rejects.toMatchObject({
    code: 'UNSAFE_RUNTIME_ROLE',
    message: expect.stringContaining('superuser'),
  });
});
