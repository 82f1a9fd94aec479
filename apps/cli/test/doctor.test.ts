import { randomBytes } from 'node:crypto';
import { type CheckResult, systemActor, withCredentials } from '@skillhub/db';
import { createTestDatabase, type TestDatabase } from '@skillhub/db/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { envFor, runCli, tamperSql } from './support/run-cli.ts';

const failures = (stdout: string) =>
  (JSON.parse(stdout) as CheckResult[])
    .filter((r) => !r.ok && r.severity === 'error')
    .map((r) => `${r.check} ${r.target}`);

let testDb: TestDatabase;
beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(() => testDb.drop());

test('doctor is green on the migrated schema, and --json lists every check', async () => {
  const json = await runCli(['doctor', '--json'], envFor(testDb));
  expect(json.stderr).toBe('');
  expect(json.code).toBe(0);
  expect(failures(json.stdout)).toEqual([]);
  const checks = new Set((JSON.parse(json.stdout) as CheckResult[]).map((r) => r.check));
  for (const check of [
    'server_version',
    'migrations_applied',
    'runtime_role_safe',
    'runtime_role_owns_nothing',
    'runtime_role_memberships',
    'runtime_role_no_temporary_objects',
    'rls_enabled',
    'rls_forced',
    'policy_complete',
    'tenant_index',
    'policy_no_extra_permissive',
    'view_security_invoker',
    'security_definer',
    'ledger_no_destructive_grants',
    'ledger_triggers',
    'ledger_partitions_ahead',
    'ledger_partition_grants',
    'retired_months_reclaimed',
    'change_capture',
    'security_control_alarm',
    'security_control_drift',
    'citus_keys',
    'sealing_not_held_back',
    'audit_chain',
  ]) {
    expect(checks).toContain(check);
  }
});

test('doctor names the failure, its detail and its fix, and exits 1: RLS disabled on skills', async () => {
  const broken = await createTestDatabase();
  try {
    await broken.ownerQuery('alter table skills disable row level security');
    const run = await runCli(['doctor'], envFor(broken));
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^check\s+target\s+severity\s+status$/m);
    expect(run.stdout).toMatch(/^rls_enabled\s+public\.skills\s+error\s+FAIL$/m);
    expect(run.stdout).toMatch(/^rls_forced\s+\d+ targets\s+error\s+ok$/m);
    expect(run.stdout).toContain('fix: alter table public.skills enable row level security;');
    expect(run.stdout).toMatch(/ 1 failed, /);
    // The alarm recorded the change, and the doctor says what no alarm can see.
    expect(run.stdout).toMatch(/^security_control_alarm\s+event trigger \S+\s+error\s+ok\n\s+note: .*replica/m);
  } finally {
    await broken.drop();
  }
});

describe('doctor turns red, naming the broken check', () => {
  const policyWithoutCheck = `drop policy tenant_isolation on skill_reviews;
    create policy tenant_isolation on skill_reviews
      using (tenant_id = (select current_setting('app.current_tenant_id', true)))`;
  test.each([
    ['FORCE missing', 'alter table ratings no force row level security', ['rls_forced public.ratings']],
    ['a policy without WITH CHECK', policyWithoutCheck, ['policy_complete public.skill_reviews']],
    [
      'a view without security_invoker over skills',
      'create view skill_names as select tenant_id, id, name from skills',
      ['view_security_invoker public.skill_names'],
    ],
  ])('%s', async (_name, breakage, expected) => {
    const broken = await createTestDatabase();
    try {
      await broken.ownerQuery(breakage);
      const run = await runCli(['doctor', '--json'], envFor(broken));
      expect(failures(run.stdout)).toEqual(expected);
      expect(run.code).toBe(1);
    } finally {
      await broken.drop();
    }
  });

  test('a superuser runtime role', async () => {
    const name = `skillhub_su_${randomBytes(4).toString('hex')}`;
    // Roles are cluster-wide: a unique name, dropped afterwards.
    await testDb.ownerQuery(`create role ${name} login superuser password 'pw'`);
    try {
      const appUrl = withCredentials(testDb.ownerUrl, { name, password: 'pw' });
      const run = await runCli(['doctor', '--json'], envFor(testDb, appUrl));
      expect(failures(run.stdout)).toEqual([`runtime_role_safe ${name}`]);
      expect(run.code).toBe(1);
    } finally {
      await testDb.ownerQuery(`drop role ${name}`);
    }
  });

  test('a tampered ledger: a superuser edits a sealed event with the triggers off', async () => {
    const broken = await createTestDatabase();
    try {
      const db = await broken.openApp();
      const tenant = await db.platform.createTenant({ name: 'Tampered', slug: 'tampered' }, systemActor('test'));
      expect(await db.sealCommittedAuditEvents()).toBe(true);
      await broken.ownerQuery(tamperSql(`tenant_id = '${tenant.id}'`));
      const run = await runCli(['doctor', '--json'], envFor(broken));
      expect(failures(run.stdout)).toEqual([`audit_chain chain of tenant ${tenant.id}`]);
      expect(run.code).toBe(1);
    } finally {
      await broken.drop();
    }
  });
});

test('a report longer than a pipe holds reaches the reader whole, with the exit code', async () => {
  const broken = await createTestDatabase();
  try {
    // 50 tenant tables with no row level security: several findings each, past a pipe's 64 KiB.
    await broken.ownerQuery(`do $$ begin
      for i in 1..50 loop execute format('create table public.unsecured_%s (tenant_id text not null)', i); end loop;
    end $$`);
    const run = await runCli(['doctor', '--json'], envFor(broken));
    expect(run.code).toBe(1);
    expect(run.stdout.length).toBeGreaterThan(96 * 1024);
    const findings = JSON.parse(run.stdout) as CheckResult[];
    expect(findings.filter((r) => r.check === 'rls_enabled' && !r.ok)).toHaveLength(50);
  } finally {
    await broken.drop();
  }
});
