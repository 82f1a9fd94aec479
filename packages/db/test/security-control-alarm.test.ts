// Finding 7 of issue 11: switching off change capture, row level security or
// a policy recorded nothing; only an on-demand doctor run noticed. Each
// tampering statement below, run as the owner (a superuser here), must leave
// the alarm in the system chain and in every tenant's chain, sealed.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { withCredentials, withDatabase } from '../src/connection-config.ts';
import {
  type CheckResult,
  type Database,
  runDoctor,
  runMigrations,
  systemActor,
  verifyAuditChain,
} from '../src/index.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';

interface Alarm extends Record<string, unknown> {
  id: string;
  tenant_id: string;
  severity: string;
  command: string;
  changes: { table: string; control: string; change: string }[];
  sealed_in: string | null;
}

let testDb: TestDatabase;
let db: Database;
let chains: string[];

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await testDb.openApp();
  const acme = await db.platform.createTenant({ name: 'Acme', slug: 'acme' }, systemActor('test'));
  const globex = await db.platform.createTenant({ name: 'Globex', slug: 'globex' }, systemActor('test'));
  chains = ['', 'default', acme.id, globex.id].sort();
});
afterAll(() => testDb.drop());

const lastSeq = async () =>
  Number(
    (await testDb.ownerQuery<{ seq: string }>('select coalesce(max(seq), 0) as seq from audit_logs')).rows[0]?.seq,
  );

/** The alarms (audit twins joined to their security events) written after `seq`, with where each was sealed. */
const alarmsAfter = async (seq: number) =>
  (
    await testDb.ownerQuery<Alarm>(
      `select l.id, l.tenant_id, e.severity::text, e.details ->> 'command' as command, e.details -> 'changes' as changes,
              s.chain as sealed_in
       from audit_logs l
       join security_events e on e.id::text = l.resource_id and e.event_type = 'suspicious_activity'
       left join audit.seals s on s.event_id = l.id
       where l.seq > $1 and l.action = 'security.suspicious_activity'
         and l.metadata ->> 'reason' = 'security_control_changed'
       order by l.seq`,
      [seq],
    )
  ).rows;

const unrecordedChanges = async () =>
  (await testDb.ownerQuery('select * from audit.security_control_changes() where not adopting')).rows;

const policy = async (table: string, name: string) => {
  const { rows } = await testDb.ownerQuery<{ qual: string; with_check: string }>(
    'select qual, with_check from pg_policies where tablename = $1 and policyname = $2',
    [table, name],
  );
  const found = rows[0];
  if (!found) throw new Error(`no policy ${name} on ${table}`);
  return `create policy ${name} on ${table} as permissive for all to public using (${found.qual}) with check (${found.with_check})`;
};

interface Tampering {
  name: string;
  tamper: string;
  restore: () => Promise<string>;
  expected: { table: string; control: string; change: string };
}

const restoreWith = (sql: string) => async () => sql;

const tamperings: Tampering[] = [
  {
    name: 'a capture trigger disabled',
    tamper: 'alter table skills disable trigger audit_capture_update',
    restore: restoreWith('alter table skills enable trigger audit_capture_update'),
    expected: { table: 'public.skills', control: 'trigger audit_capture_update', change: 'disabled' },
  },
  {
    name: 'every trigger of a table disabled at once',
    tamper: 'alter table ratings disable trigger user',
    restore: restoreWith('alter table ratings enable trigger user'),
    expected: { table: 'public.ratings', control: 'trigger audit_capture_insert', change: 'disabled' },
  },
  {
    name: 'a capture trigger set to fire only for replicas',
    tamper: 'alter table users enable replica trigger audit_capture_delete',
    restore: restoreWith('alter table users enable trigger audit_capture_delete'),
    expected: { table: 'public.users', control: 'trigger audit_capture_delete', change: 'enabled only for replicas' },
  },
  {
    name: 'a capture trigger dropped',
    tamper: 'drop trigger audit_capture_delete on api_keys',
    restore: restoreWith(`select audit.enable_tracking('api_keys')`),
    expected: { table: 'public.api_keys', control: 'trigger audit_capture_delete', change: 'removed' },
  },
  {
    name: 'change capture removed with disable_tracking',
    tamper: `select audit.disable_tracking('skill_versions')`,
    restore: restoreWith(`select audit.enable_tracking('skill_versions')`),
    expected: { table: 'public.skill_versions', control: 'trigger audit_capture_update', change: 'removed' },
  },
  {
    name: 'a capture trigger replaced by one that records nothing of the rows',
    tamper: `create or replace trigger audit_capture_insert after insert on skills
             for each statement execute function audit.capture_truncate()`,
    restore: restoreWith(`select audit.enable_tracking('skills')`),
    expected: { table: 'public.skills', control: 'trigger audit_capture_insert', change: 'altered' },
  },
  {
    name: 'the ledger’s append-only guard disabled',
    tamper: 'alter table audit_logs disable trigger audit_logs_append_only',
    restore: restoreWith('alter table audit_logs enable trigger audit_logs_append_only'),
    expected: { table: 'public.audit_logs', control: 'trigger audit_logs_append_only', change: 'disabled' },
  },
  {
    name: 'row level security disabled',
    tamper: 'alter table skills disable row level security',
    restore: restoreWith('alter table skills enable row level security'),
    expected: { table: 'public.skills', control: 'row level security', change: 'disabled' },
  },
  {
    name: 'row level security no longer forced',
    tamper: 'alter table usage_events no force row level security',
    restore: restoreWith('alter table usage_events force row level security'),
    expected: { table: 'public.usage_events', control: 'forced row level security', change: 'not forced' },
  },
  {
    name: 'a permissive policy added',
    tamper: 'create policy everyone_reads on skill_reviews for select using (true)',
    restore: restoreWith('drop policy everyone_reads on skill_reviews'),
    expected: { table: 'public.skill_reviews', control: 'policy everyone_reads', change: 'added' },
  },
  {
    name: 'the tenant policy altered',
    tamper: 'alter policy tenant_isolation on site_settings using (true)',
    restore: async () =>
      `drop policy tenant_isolation on site_settings; ${await policy('site_settings', 'tenant_isolation')}`,
    expected: { table: 'public.site_settings', control: 'policy tenant_isolation', change: 'altered' },
  },
  {
    name: 'the tenant policy dropped',
    tamper: 'drop policy tenant_isolation on mfa_recovery_codes',
    restore: async () => policy('mfa_recovery_codes', 'tenant_isolation'),
    expected: { table: 'public.mfa_recovery_codes', control: 'policy tenant_isolation', change: 'removed' },
  },
  {
    name: 'the runtime role granted UPDATE on the ledger',
    tamper: 'grant update, delete on audit_logs to skillhub_app',
    restore: restoreWith('revoke update, delete on audit_logs from skillhub_app'),
    expected: { table: 'public.audit_logs', control: 'grants', change: 'altered' },
  },
  {
    name: 'a capture trigger disabled by a superuser in replica mode',
    tamper: `begin; set local session_replication_role = replica;
             alter table skills disable trigger audit_capture_delete; commit`,
    restore: restoreWith('alter table skills enable trigger audit_capture_delete'),
    expected: { table: 'public.skills', control: 'trigger audit_capture_delete', change: 'disabled' },
  },
  // Regression: the trees' and checkpoints' tables have no tenant_id column and
  // were not watched, nor were column privileges on any watched table.
  {
    name: 'the checkpoints’ append-only guard dropped',
    tamper: 'drop trigger checkpoints_append_only on audit.checkpoints',
    restore: restoreWith(`create trigger checkpoints_append_only before update or delete on audit.checkpoints
                          for each row execute function audit.reject_change()`),
    expected: { table: 'audit.checkpoints', control: 'trigger checkpoints_append_only', change: 'removed' },
  },
  {
    name: 'the tree nodes’ append-only guard disabled',
    tamper: 'alter table audit.tree_nodes disable trigger tree_nodes_append_only',
    restore: restoreWith('alter table audit.tree_nodes enable trigger tree_nodes_append_only'),
    expected: { table: 'audit.tree_nodes', control: 'trigger tree_nodes_append_only', change: 'disabled' },
  },
  {
    name: 'the runtime role granted DELETE on the tree nodes',
    tamper: 'grant delete on audit.tree_nodes to skillhub_app',
    restore: restoreWith('revoke delete on audit.tree_nodes from skillhub_app'),
    expected: { table: 'audit.tree_nodes', control: 'grants', change: 'altered' },
  },
  {
    name: 'the checkpoints’ tenant policy dropped',
    tamper: 'drop policy tenant_isolation on audit.checkpoints',
    restore: async () =>
      `create policy tenant_isolation on audit.checkpoints as permissive for all to public
         using (chain = (select platform.current_tenant_id())) with check (chain = (select platform.current_tenant_id()))`,
    expected: { table: 'audit.checkpoints', control: 'policy tenant_isolation', change: 'removed' },
  },
  {
    name: 'the runtime role granted UPDATE of the seals’ leaf hashes (a column privilege)',
    tamper: 'grant update (leaf_hash) on audit.seals to skillhub_app',
    restore: restoreWith('revoke update (leaf_hash) on audit.seals from skillhub_app'),
    expected: { table: 'audit.seals', control: 'column grants', change: 'added' },
  },
];

describe.each(tamperings)('$name', ({ tamper, restore, expected }) => {
  test('raises a critical alarm in every chain, sealed', async () => {
    // Read before tampering: a dropped policy can no longer be read.
    const restoring = await restore();
    const before = await lastSeq();
    await testDb.ownerQuery(tamper);
    try {
      expect(await db.sealCommittedAuditEvents()).toBe(true);
      const alarms = await alarmsAfter(before);
      const chainsWarned = [...new Set(alarms.map((a) => a.tenant_id))].sort();
      expect(chainsWarned).toEqual(chains);
      for (const alarm of alarms) {
        expect(alarm.severity).toBe('critical');
        expect(alarm.sealed_in).toBe(alarm.tenant_id);
      }
      expect(alarms.flatMap((a) => a.changes)).toContainEqual(expect.objectContaining(expected));
      expect(await unrecordedChanges()).toEqual([]);
    } finally {
      await testDb.ownerQuery(restoring);
    }
    // Putting the control back is recorded too; nothing is left unrecorded.
    expect(await unrecordedChanges()).toEqual([]);
  });
});

test('the chains holding the alarms verify intact', async () => {
  expect(await db.sealCommittedAuditEvents()).toBe(true);
  const result = await verifyAuditChain(testDb.ownerUrl);
  expect(result.intact).toBe(true);
  expect(result.chains.map((c) => c.chain).sort()).toEqual(chains);
});

test('switching a control back on is recorded as info, not as an alarm', async () => {
  await testDb.ownerQuery('alter table skills disable trigger audit_capture_update');
  const before = await lastSeq();
  await testDb.ownerQuery('alter table skills enable trigger audit_capture_update');
  const alarms = await alarmsAfter(before);
  expect(alarms.map((a) => a.severity)).toEqual(chains.map(() => 'info'));
  expect(alarms[0]?.changes).toEqual([expect.objectContaining({ change: 'enabled' })]);
});

test('regenerating change capture, as migrations do, raises nothing', async () => {
  const before = await lastSeq();
  await testDb.ownerQuery(`
    select audit.enable_tracking('skills');
    alter table usage_events add column note text;
    select audit.refresh_tracking();
    alter table usage_events drop column note;
    select audit.refresh_tracking();`);
  expect(await alarmsAfter(before)).toEqual([]);
  expect(await unrecordedChanges()).toEqual([]);
});

test('a table set up in the transaction that creates it is adopted silently; later changes are recorded', async () => {
  const before = await lastSeq();
  await testDb.ownerQuery(`
    begin;
    create table notes (tenant_id text not null references tenants (id), id int, primary key (tenant_id, id));
    alter table notes enable row level security;
    create policy tenant_isolation on notes using (tenant_id = current_setting('app.current_tenant_id', true));
    commit;`);
  expect(await alarmsAfter(before)).toEqual([]);
  await testDb.ownerQuery('drop policy tenant_isolation on notes');
  expect((await alarmsAfter(before)).map((a) => a.changes[0]?.change)).toEqual(chains.map(() => 'removed'));
});

test('a change made while the alarm is off shows as drift in the doctor, and is recorded on request', async () => {
  const doctor = async () =>
    (await runDoctor({ ownerUrl: testDb.ownerUrl, runtimeRole: inject('skillhubTestCluster').appRole.name })).filter(
      (r) => r.check.startsWith('security_control'),
    );
  const before = await lastSeq();
  await testDb.ownerQuery(`
    alter event trigger skillhub_security_control_alarm disable;
    alter table ratings disable trigger audit_capture_delete;
    alter event trigger skillhub_security_control_alarm enable always;`);
  expect(await alarmsAfter(before)).toEqual([]);
  const findings = await doctor();
  expect(findings.find((r) => r.check === 'security_control_alarm')).toMatchObject({ ok: true });
  expect(findings.find((r) => r.check === 'security_control_drift')).toMatchObject({
    ok: false,
    detail: expect.stringContaining('public.ratings trigger audit_capture_delete disabled'),
    fix: expect.stringContaining(`select audit.check_security_controls('doctor')`),
  });
  await testDb.ownerQuery(`select audit.check_security_controls('doctor')`);
  const recorded = await alarmsAfter(before);
  expect(recorded.map((a) => [a.command, a.severity])).toEqual(chains.map(() => ['doctor', 'critical']));
  expect((await doctor()).every((r) => r.ok)).toBe(true);
  await testDb.ownerQuery('alter table ratings enable trigger audit_capture_delete');
});

test('a tree table changed while the alarm is off shows as drift in the doctor', async () => {
  await testDb.ownerQuery(`
    alter event trigger skillhub_security_control_alarm disable;
    alter table audit.checkpoints disable trigger checkpoints_no_truncate;
    alter event trigger skillhub_security_control_alarm enable always;`);
  try {
    const findings = await runDoctor({
      ownerUrl: testDb.ownerUrl,
      runtimeRole: inject('skillhubTestCluster').appRole.name,
    });
    expect(findings.find((r) => r.check === 'security_control_drift')).toMatchObject({
      ok: false,
      detail: expect.stringContaining('audit.checkpoints trigger checkpoints_no_truncate disabled'),
    });
  } finally {
    await testDb.ownerQuery('alter table audit.checkpoints enable trigger checkpoints_no_truncate');
  }
  expect(await unrecordedChanges()).toEqual([]);
});

describe('an owner that is not a superuser', () => {
  const cluster = inject('skillhubTestCluster');
  const role = { name: `skillhub_owner_${randomBytes(4).toString('hex')}`, password: randomBytes(12).toString('hex') };
  const dbName = `skillhub_nosuper_${cluster.runId}_${randomBytes(4).toString('hex')}`;
  const ownerUrl = withCredentials(withDatabase(cluster.adminUrl, dbName), role);
  const asAdmin = async (text: string, database?: string) => {
    const client = new pg.Client({
      connectionString: database ? withDatabase(cluster.adminUrl, database) : cluster.adminUrl,
    });
    await client.connect();
    try {
      return await client.query(text);
    } finally {
      await client.end();
    }
  };
  const alarmFindings = async () =>
    (await runDoctor({ ownerUrl, runtimeRole: cluster.appRole.name })).filter((r: CheckResult) =>
      r.check.startsWith('security_control'),
    );

  beforeAll(async () => {
    // Migrations up to 0015 already need a superuser (0007 hands functions to
    // skillhub_system, which needs CREATE on their schema); the owner loses
    // superuser right before the alarm's migration.
    await asAdmin(`create role ${role.name} login superuser password '${role.password}'`);
    await asAdmin(`grant skillhub_system to ${role.name}`);
    await asAdmin(`create database ${dbName} owner ${role.name}`);
    await runMigrations(ownerUrl, undefined, { upTo: '0015_set_based_sealing' });
    await asAdmin(`alter role ${role.name} nosuperuser`);
    await asAdmin('grant create on schema audit, platform to skillhub_system', dbName);
  });
  afterAll(async () => {
    await asAdmin(`drop database if exists ${dbName} with (force)`);
    await asAdmin(`drop role if exists ${role.name}`);
  });

  test('migrates without the alarm; the doctor says it is missing and how to install it', async () => {
    const result = await runMigrations(ownerUrl);
    expect(result.applied).toContain('0018_capture_tamper_alarm');
    const installed = await asAdmin(`select from pg_event_trigger`, dbName);
    expect(installed.rowCount).toBe(0);
    const [alarm] = await alarmFindings();
    expect(alarm).toMatchObject({
      check: 'security_control_alarm',
      ok: false,
      severity: 'error',
      fix: expect.stringContaining('select audit.install_security_control_alarm();'),
    });
  });

  test('a change the owner makes then shows as drift, and installing the alarm records it', async () => {
    await asAdmin(`set role ${role.name}; alter table skills disable trigger audit_capture_update`, dbName);
    expect((await alarmFindings()).find((r) => r.check === 'security_control_drift')?.ok).toBe(false);
    await expect(
      asAdmin(`set role ${role.name}; select audit.install_security_control_alarm()`, dbName),
    ).rejects.toThrow(/only a superuser/);
    await asAdmin('select audit.install_security_control_alarm()', dbName);
    expect((await alarmFindings()).map((r) => [r.check, r.ok])).toEqual([
      ['security_control_alarm', true],
      ['security_control_drift', true],
    ]);
    const { rows } = await asAdmin(
      `select tenant_id, details ->> 'command' as command from security_events
       where details ->> 'reason' = 'security_control_changed' order by tenant_id`,
      dbName,
    );
    expect(rows).toEqual([
      { tenant_id: '', command: 'install security control alarm' },
      { tenant_id: 'default', command: 'install security control alarm' },
    ]);
  });
});
