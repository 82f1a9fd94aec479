import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { citusDistributedByOtherKey } from '../src/checks/citus-table-roles.ts';
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
    'citus_distributed_binding',
    'citus_distribution_column',
    'citus_foreign_keys',
    'citus_keys',
    'citus_local_copies_empty',
    'citus_no_restrictive_policies',
    'citus_no_set_null_keys',
    'citus_policy_functions',
    'citus_sql_functions',
    'citus_system_login',
    'citus_trigger_table_names',
  ]);
  // The ledger included: its system chain is '' (migration 0070), not null.
  for (const ledger of ['public.audit_logs', 'public.security_events', 'public.security_event_tallies']) {
    expect(findings.find((r) => r.target === ledger && r.check === 'citus_distribution_column')).toMatchObject({
      ok: true,
      detail: 'tenant_id text not null',
    });
  }
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

test('the tables distributed by their chain keep it in every key and hold no null in it', async () => {
  const findings = await citusFindings();
  for (const [table, column] of Object.entries(citusDistributedByOtherKey)) {
    expect(findings.find((r) => r.target === table && r.check === 'citus_keys')).toMatchObject({ ok: true });
    expect(findings.find((r) => r.target === table)?.detail).toContain(`include ${column}`);
  }
  // The keys 0073 widened, as they were: Citus refused the first on the lab cluster.
  expect(
    await failuresWith(
      `alter table audit.seals drop constraint seals_event_id_key;
       alter table audit.seals add constraint seals_event_id_key unique (event_id);
       alter table audit.refused_events drop constraint refused_events_pkey;
       alter table audit.refused_events alter column named_tenant drop not null;
       alter table audit.refused_events add constraint refused_events_pkey primary key (event_id);`,
      `alter table audit.seals drop constraint seals_event_id_key;
       alter table audit.seals add constraint seals_event_id_key unique (event_id, chain);
       alter table audit.refused_events drop constraint refused_events_pkey;
       alter table audit.refused_events alter column named_tenant set not null;
       alter table audit.refused_events add constraint refused_events_pkey primary key (event_id, named_tenant);`,
    ),
  ).toEqual(['citus_keys audit.refused_events', 'citus_keys audit.seals']);
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
  // The ledger has no exception any more.
  expect(
    await failuresWith(
      'alter table public.security_event_tallies alter column tenant_id drop not null',
      'alter table public.security_event_tallies alter column tenant_id set not null',
    ),
  ).toEqual(['citus_distribution_column public.security_event_tallies']);
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

test('an SQL function with parameters over a table the plan shards breaks the plan; PL/pgSQL does not', async () => {
  const sqlBody = `create function public.skill_count_of(tenant text) returns bigint language sql stable
     as $$ select count(*) from public.skills s where s.tenant_id = tenant $$`;
  const undo = 'drop function public.skill_count_of(text)';
  expect(await failuresWith(sqlBody, undo)).toEqual(['citus_sql_functions public.skill_count_of(text)']);
  // Over the ledger's seal set, distributed by its chain rather than by tenant_id.
  expect(
    await failuresWith(
      `create function audit.seal_count_of(chain text) returns bigint language sql stable
         as $$ select count(*) from audit.seals s where s.chain = seal_count_of.chain $$`,
      'drop function audit.seal_count_of(text)',
    ),
  ).toEqual(['citus_sql_functions audit.seal_count_of(text)']);
  const plpgsqlBody = `create function public.skill_count_of(tenant text) returns bigint language plpgsql stable
     as $$ begin return (select count(*) from public.skills s where s.tenant_id = tenant); end $$`;
  expect(await failuresWith(plpgsqlBody, undo)).toEqual([]);
});

test('a foreign key between tenant tables that sets null or a default breaks the plan', async () => {
  for (const action of ['on delete set null (editor_id)', 'on delete set default', 'on update cascade']) {
    expect(
      await failuresWith(
        `alter table skills add column editor_id uuid,
           add constraint skills_editor_id_fkey foreign key (tenant_id, editor_id) references users (tenant_id, id) ${action}`,
        'alter table skills drop column editor_id',
      ),
      action,
    ).toEqual(['citus_no_set_null_keys public.skills']);
  }
});

test('a trigger function that reads tg_table_name on a table Citus would shard breaks the plan', async () => {
  const { rows } = await testDb.ownerQuery<{ name: string }>(
    `select c.relname::text as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
     where i.inhparent = 'public.audit_logs'::regclass limit 1`,
  );
  const plants = [
    // Stored in a row: on a shard it would name skills_102008.
    ['skills', `insert into public.site_settings_log values (tg_table_name)`],
    // Branched on, on the reference table (the credential announcement's old form).
    ['tenants', `if tg_table_name = 'tenants' then perform pg_catalog.pg_notify('x', 'y'); end if`],
    // On one month of the partitioned ledger only: a partition counts as its parent.
    [rows[0]?.name ?? 'audit_logs', `perform pg_catalog.pg_notify('x', tg_relname)`],
  ];
  for (const [table, statement] of plants) {
    expect(
      await failuresWith(
        `create table public.site_settings_log (name text);
         create function public.planted() returns trigger language plpgsql as $$ begin ${statement}; return null; end $$;
         create trigger planted after insert on public.${table} for each statement execute function public.planted()`,
        `drop trigger planted on public.${table}; drop function public.planted(); drop table public.site_settings_log`,
      ),
      table,
    ).toEqual(['citus_trigger_table_names public.planted()']);
  }
  // Named only in an error message, the name is shown, never stored or branched on: allowed.
  expect(
    await failuresWith(
      `create function public.planted() returns trigger language plpgsql as $$
         begin raise exception '% refuses %', tg_table_name, tg_op; end $$;
       create trigger planted before delete on public.skills for each row execute function public.planted()`,
      'drop trigger planted on public.skills; drop function public.planted()',
    ),
  ).toEqual([]);
});

test('a trigger names the table the schema declares: a partition its root, anything else itself', async () => {
  await testDb.ownerQuery('create table public.notes_102008 (id int primary key)');
  try {
    const { rows } = await testDb.ownerQuery<{ name: string; logical: string }>(
      `select r::text as name, audit.logical_table(r)::text as logical
       from unnest(array['public.skills'::regclass, 'public.tenants'::regclass, 'public.notes_102008'::regclass,
                         (select i.inhrelid::regclass from pg_inherits i
                          where i.inhparent = 'public.audit_logs'::regclass limit 1)]) r`,
    );
    expect(rows.map((r) => r.logical)).toEqual(['skills', 'tenants', 'notes_102008', 'audit_logs']);
    expect(rows[3]?.name).toMatch(/^audit_logs_/);
    // TRUNCATE capture names its table through tg_relid: on one server, exactly what tg_table_name said.
    await testDb.ownerQuery(`select audit.enable_tracking('public.notes_102008')`);
    await testDb.ownerQuery('truncate public.notes_102008');
    const truncated = await testDb.ownerQuery(
      `select action, resource_type, table_name from audit_logs where operation = 'TRUNCATE' order by created_at desc limit 1`,
    );
    expect(truncated.rows).toEqual([
      { action: 'notes_102008.truncate', resource_type: 'notes_102008', table_name: 'notes_102008' },
    ]);
  } finally {
    await testDb.ownerQuery(`select audit.disable_tracking('public.notes_102008')`);
    await testDb.ownerQuery('drop table public.notes_102008');
  }
});
