import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { runDoctor, serverVersionProblems } from '../src/index.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';

let testDb: TestDatabase;
beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(() => testDb.drop());

const failures = async (runtimeRole: string) =>
  (await runDoctor({ ownerUrl: testDb.ownerUrl, runtimeRole }))
    .filter((r) => !r.ok && r.severity === 'error')
    .map((r) => `${r.check} ${r.target}`)
    .sort();

test('runDoctor finds nothing wrong with the migrated schema', async () => {
  expect(await failures(inject('skillhubTestCluster').appRole.name)).toEqual([]);
});

test('on one server the named doors are all there, and those of the conversion are not expected', async () => {
  const definers = async () =>
    (await runDoctor({ ownerUrl: testDb.ownerUrl, runtimeRole: inject('skillhubTestCluster').appRole.name }))
      .filter((r) => r.check === 'security_definer' && !r.ok)
      .map((r) => `${r.severity} ${r.target}: ${r.detail}`);
  // Not even a warning: before, the seven doors only a Citus conversion creates were reported missing.
  expect(await definers()).toEqual([]);
  await testDb.ownerQuery('alter function audit.record_event(text,text,text,jsonb) security invoker');
  try {
    expect(await definers()).toEqual([
      'warning 1 named system functions: missing, or no longer SECURITY DEFINER: audit.record_event(text,text,text,jsonb)',
    ]);
  } finally {
    await testDb.ownerQuery('alter function audit.record_event(text,text,text,jsonb) security definer');
  }
});

test('each check catches its own breakage, and only that one', async () => {
  // A runtime role of its own: roles are cluster-wide and other files share the usual one.
  const role = `skillhub_reach_${randomBytes(4).toString('hex')}`;
  await testDb.ownerQuery(`create role ${role} login password 'pw'; grant skillhub_app, skillhub_system to ${role}`);
  try {
    await testDb.ownerQuery(`
      create policy everyone_reads on skills as permissive for select using (true);
      create function public.peek() returns bigint language sql security definer as 'select count(*) from skills';
      create function public.helper() returns int language sql as 'select 1';
      alter function public.helper() owner to ${role};
      grant update on audit_logs to skillhub_app;
      alter table audit_logs enable replica trigger audit_logs_append_only;
      alter table audit.seals disable trigger seals_no_truncate;
      alter table ratings disable trigger audit_capture_update;
      alter table usage_events add column note text;
      alter table skill_embeddings drop constraint skill_embeddings_tenant_id_skill_id_key,
        add constraint skill_embeddings_skill_id_key unique (skill_id);
      create materialized view skill_counts as select tenant_id, count(*) from skills group by tenant_id;
      do $$ begin execute format('grant temporary on database %I to ${role}', current_database()); end $$;`);
    expect(await failures(role)).toEqual([
      'change_capture public.ratings',
      // A column added since capture was generated: its changes would go unnamed.
      'change_capture public.usage_events',
      'citus_keys public.skill_embeddings',
      'ledger_no_destructive_grants public.audit_logs',
      'ledger_triggers audit.seals',
      'ledger_triggers public.audit_logs',
      // The same column has no class: it would reach the ledger in clear (migration 0046).
      'personal_fields_classified public.usage_events',
      // A permissive `using (true)` both adds a policy and lacks the tenant comparison.
      'policy_complete public.skills',
      'policy_no_extra_permissive public.skills',
      `runtime_role_memberships ${role}`,
      `runtime_role_no_temporary_objects ${role}`,
      `runtime_role_owns_nothing ${role}`,
      'security_definer public.peek()',
      'view_security_invoker public.skill_counts',
    ]);
  } finally {
    await testDb.ownerQuery(`drop owned by ${role}; drop role ${role}`);
  }
});

test('a permissive policy beside tenant_isolation passes only with the tenant comparison and-ed to each clause', async () => {
  // A database of its own: the test above leaves its plants in place.
  const clean = await createTestDatabase();
  const extraPermissive = async (policy: string) => {
    await clean.ownerQuery(policy);
    try {
      return (await runDoctor({ ownerUrl: clean.ownerUrl, runtimeRole: inject('skillhubTestCluster').appRole.name }))
        .filter((r) => r.check === 'policy_no_extra_permissive' && !r.ok)
        .map((r) => `${r.target}: ${r.detail}`);
    } finally {
      await clean.ownerQuery('drop policy extra on skills');
    }
  };
  const tenant = 'tenant_id = (select platform.current_tenant_id())';
  // The folded forms a Citus conversion writes, per command (docs/citus.md, step 2).
  for (const kept of [
    `create policy extra on skills for select using (${tenant} and visibility <> 'private')`,
    `create policy extra on skills for insert with check (${tenant} and visibility = 'public' and author_id is null)`,
    `create policy extra on skills for update using (${tenant}) with check ((visibility <> 'x' or true) and ${tenant})`,
  ]) {
    expect(await extraPermissive(kept), kept).toEqual([]);
  }
  // A mention is not a bound: each of these lets another tenant's rows through.
  for (const widening of [
    `create policy extra on skills for select using (${tenant} or visibility = 'public')`,
    `create policy extra on skills for select using ((${tenant} and true) or visibility = 'public')`,
    `create policy extra on skills for select using (visibility = '${tenant} and x')`,
    `create policy extra on skills for select using (tenant_id <> (select platform.current_tenant_id()))`,
    `create policy extra on skills for update using (${tenant}) with check (true)`,
    `create policy extra on skills for all using (${tenant})`,
  ]) {
    expect(await extraPermissive(widening), widening).toEqual([
      'public.skills: permissive extra beside tenant_isolation widens what a tenant reaches',
    ]);
  }
  await clean.drop();
});

test('the security control alarm: disabled, replica-only or dropped fails the check, with the fix', async () => {
  const alarm = async () =>
    (await runDoctor({ ownerUrl: testDb.ownerUrl, runtimeRole: inject('skillhubTestCluster').appRole.name })).find(
      (r) => r.check === 'security_control_alarm',
    );
  expect(await alarm()).toMatchObject({ ok: true, note: expect.stringContaining('session_replication_role') });
  const cases: [string, string, string][] = [
    ['disable', 'is disabled', 'alter event trigger skillhub_security_control_alarm enable always;'],
    ['enable replica', 'fires only in replica sessions', 'enable always'],
    ['enable', 'session_replication_role = replica', 'enable always'],
  ];
  for (const [how, detail, fix] of cases) {
    await testDb.ownerQuery(`alter event trigger skillhub_security_control_alarm ${how}`);
    expect(await alarm(), how).toMatchObject({
      ok: false,
      severity: how === 'enable' ? 'warning' : 'error',
      detail: expect.stringContaining(detail),
      fix: expect.stringContaining(fix),
    });
  }
  await testDb.ownerQuery('drop event trigger skillhub_security_control_alarm');
  expect(await alarm()).toMatchObject({
    ok: false,
    detail: expect.stringContaining('not installed'),
    fix: expect.stringContaining('select audit.install_security_control_alarm();'),
  });
  await testDb.ownerQuery('select audit.install_security_control_alarm()');
  expect(await alarm()).toMatchObject({ ok: true });
});

test('the server version check knows the minor releases that fixed the RLS CVEs', () => {
  expect(serverVersionProblems(150009)).toEqual([expect.stringContaining('CVE-2024-10976')]);
  expect(serverVersionProblems(150002)).toHaveLength(2);
  expect(serverVersionProblems(150010)).toEqual([]);
  expect(serverVersionProblems(160005)).toEqual([expect.stringContaining('fixed in 16.6')]);
  expect(serverVersionProblems(160006)).toEqual([]);
  expect(serverVersionProblems(170001)).toEqual([expect.stringContaining('fixed in 17.2')]);
  expect(serverVersionProblems(170002)).toEqual([]);
  expect(serverVersionProblems(180000)).toEqual([]);
  expect(serverVersionProblems(140015)).toEqual([expect.stringContaining('older than 15')]);
});
