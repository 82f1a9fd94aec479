import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { runDoctor } from '../src/index.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';

let testDb: TestDatabase;
beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(() => testDb.drop());

const citusFindings = async () =>
  (await runDoctor({ ownerUrl: testDb.ownerUrl, runtimeRole: inject('skillhubTestCluster').appRole.name })).filter(
    (r) => r.check.startsWith('citus_'),
  );
const citusFailures = async () =>
  (await citusFindings())
    .filter((r) => !r.ok)
    .map((r) => `${r.check} ${r.target}`)
    .sort();

/** Plants `ddl`, returns what the Citus rules then fail, and removes the plant again. */
async function failuresWith(ddl: string, undo: string): Promise<string[]> {
  await testDb.ownerQuery(ddl);
  try {
    return await citusFailures();
  } finally {
    await testDb.ownerQuery(undo);
  }
}

test('the migrated schema keeps every rule of the Citus plan', async () => {
  const findings = await citusFindings();
  expect(findings.filter((r) => !r.ok)).toEqual([]);
  const checks = new Set(findings.map((r) => r.check));
  expect([...checks].sort()).toEqual([
    'citus_distribution_column',
    'citus_foreign_keys',
    'citus_keys',
    'citus_policy_functions',
  ]);
  // The ledger's system chain is the one planned exception to a not-null distribution column.
  expect(
    findings.find((r) => r.target === 'public.audit_logs' && r.check === 'citus_distribution_column'),
  ).toMatchObject({ ok: true, detail: expect.stringContaining('docs/citus.md') });
});

test('a new tenant table whose unique key omits tenant_id breaks the plan', async () => {
  expect(
    await failuresWith(
      `create table public.skill_notes (tenant_id text not null references tenants (id), id uuid not null,
         slug text not null, primary key (tenant_id, id), unique (slug))`,
      'drop table public.skill_notes',
    ),
  ).toEqual(['citus_keys public.skill_notes']);
});

test('a nullable tenant_id, or one of another type, cannot be a distribution column', async () => {
  expect(
    await failuresWith(
      `create table public.skill_notes (tenant_id text references tenants (id), id uuid not null, primary key (id))`,
      'drop table public.skill_notes',
    ),
  ).toEqual(['citus_distribution_column public.skill_notes']);
  expect(
    await failuresWith(
      `create table public.skill_notes (tenant_id varchar(64) not null references tenants (id), id uuid not null,
         primary key (tenant_id, id))`,
      'drop table public.skill_notes',
    ),
  ).toEqual(['citus_distribution_column public.skill_notes']);
});

test('foreign keys may point from distributed tables only at reference tables, never back', async () => {
  // A table without tenant_id referencing a tenant table: neither a reference nor a local table may.
  expect(
    await failuresWith(
      `create table public.featured_skills (tenant_id_of_skill text not null, skill_id uuid not null,
         primary key (skill_id), foreign key (tenant_id_of_skill, skill_id) references skills (tenant_id, id))`,
      'drop table public.featured_skills',
    ),
  ).toEqual(['citus_foreign_keys public.featured_skills featured_skills_tenant_id_of_skill_skill_id_fkey']);
  // A tenant table referencing a table the plan does not replicate to every node.
  expect(
    await failuresWith(
      `create table public.labels (name text primary key);
       alter table skills add column label text references public.labels (name)`,
      'alter table skills drop column label; drop table public.labels',
    ),
  ).toEqual(['citus_foreign_keys public.skills skills_label_fkey']);
});

test('a policy that calls a function the workers would not have breaks the plan', async () => {
  const plants = [
    // Outside schema platform, which the plan replicates to every node.
    ['public.business_hours', `language sql stable as 'select true'`],
    // In platform, but volatile: evaluated per row on every shard.
    ['platform.coin', `language sql volatile as 'select random() < 2'`],
  ];
  for (const [fn, body] of plants) {
    expect(
      await failuresWith(
        `create function ${fn}() returns boolean ${body};
         create policy planted on skills as restrictive for select using (${fn}())`,
        `drop policy planted on skills; drop function ${fn}()`,
      ),
      fn,
    ).toEqual(['citus_policy_functions public.skills planted']);
  }
});
