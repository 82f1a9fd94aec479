import type pg from 'pg';

/**
 * How row changes on the measured table reach the ledger:
 * - `none`: no change capture (the baseline);
 * - `statement`: the design, `audit.enable_tracking` (statement-level
 *   triggers reading transition tables, one insert … select per statement);
 * - `row`: the classic alternative, a `for each row` trigger that inserts one
 *   ledger row per changed row with `to_jsonb(old)` / `to_jsonb(new)`.
 */
export type CaptureMode = 'none' | 'statement' | 'row' | 'proposed';

/** The measured modes; `proposed` (with --proposed) is the design's triggers with the rewrite this benchmark suggests. */
export const captureModesFor = (proposed: boolean): CaptureMode[] =>
  proposed ? ['none', 'statement', 'row', 'proposed'] : ['none', 'statement', 'row'];

export const captureLabels: Record<CaptureMode, string> = {
  none: 'untracked (no change capture)',
  statement: 'statement-level capture (the design)',
  row: 'row-level trigger (classic, for comparison)',
  proposed: 'statement-level, proposed rewrite',
};

/**
 * The row-level trigger, written to record exactly what the design records
 * (same columns, same context settings, redaction, changed_fields on UPDATE)
 * so that the comparison is about one trigger call per row versus one per
 * statement, nothing else. Lives in its own schema, created by the benchmark.
 */
const rowTriggerSql = `
  create schema if not exists bench_audit;
  create or replace function bench_audit.capture_row() returns trigger
  language plpgsql set search_path = '' as $$
  declare
    redacted text[] := tg_argv[0]::text[];
    old_j jsonb;
    new_j jsonb;
  begin
    if tg_op <> 'INSERT' then old_j := pg_catalog.to_jsonb(old) - redacted; end if;
    if tg_op <> 'DELETE' then new_j := pg_catalog.to_jsonb(new) - redacted; end if;
    insert into public.audit_logs (tenant_id, actor_type, actor_id, action, resource_type, resource_id,
      ip_address, request_id, operation, table_name, old_record, new_record, changed_fields)
    values (coalesce(new_j ->> 'tenant_id', old_j ->> 'tenant_id'), audit.context_actor_type(),
      audit.context_text('app.actor_id'), tg_table_name || '.' || pg_catalog.lower(tg_op), tg_table_name,
      coalesce(new_j, old_j) ->> 'id', audit.context_text('app.ip')::inet, audit.context_text('app.request_id'),
      tg_op::audit.operation, tg_table_name, old_j, new_j,
      case when tg_op = 'UPDATE' then array(select k.key from pg_catalog.jsonb_each(new_j) k
                                            where k.value is distinct from old_j -> k.key order by k.key) end);
    return null;
  end
  $$;`;

/**
 * The design's capture functions with two changes, to measure before
 * proposing them for 0008_change_capture.sql:
 * - `offset 0` keeps each transition-table subquery from being flattened;
 *   flattened, `to_jsonb(t)` is recomputed for every use of `j` (up to ~30
 *   times per updated row: resource id, records, each changed_fields probe);
 * - UPDATE pairs old and new rows by a text key computed once per row, in a
 *   hash join with enough work_mem, instead of a merge join that sorts whole
 *   rows by a per-row jsonb sub-select (and spills to disk past 4 MB).
 */
const proposedCaptureSql = `
  create or replace function bench_audit.capture_insert_or_delete() returns trigger
  language plpgsql set search_path = '' as $$
  declare
    redacted text[] := tg_argv[0]::text[];
    pk text[] := tg_argv[1]::text[];
  begin
    insert into public.audit_logs (tenant_id, actor_type, actor_id, action, resource_type, resource_id,
      ip_address, request_id, operation, table_name, old_record, new_record)
    select coalesce(r.j ->> 'tenant_id', audit.context_text('app.current_tenant_id')),
           audit.context_actor_type(), audit.context_text('app.actor_id'),
           tg_table_name || '.' || pg_catalog.lower(tg_op), tg_table_name,
           case when pk = array['tenant_id', 'id'] then r.j ->> 'id' else (r.j - 'tenant_id')::text end,
           audit.context_text('app.ip')::inet, audit.context_text('app.request_id'),
           tg_op::audit.operation, tg_table_name,
           case when tg_op = 'DELETE' then r.j - redacted end,
           case when tg_op = 'INSERT' then r.j - redacted end
    from (select pg_catalog.to_jsonb(t) as j from changed_rows t offset 0) r;
    return null;
  end
  $$;
  create or replace function bench_audit.capture_update() returns trigger
  language plpgsql set search_path = '' set work_mem = '64MB' as $$
  declare
    redacted text[] := tg_argv[0]::text[];
    pk text[] := tg_argv[1]::text[];
  begin
    insert into public.audit_logs (tenant_id, actor_type, actor_id, action, resource_type, resource_id,
      ip_address, request_id, operation, table_name, old_record, new_record, changed_fields)
    select coalesce(n.j ->> 'tenant_id', o.j ->> 'tenant_id', audit.context_text('app.current_tenant_id')),
           audit.context_actor_type(), audit.context_text('app.actor_id'),
           tg_table_name || '.update', tg_table_name,
           case when pk = array['tenant_id', 'id'] then coalesce(n.j, o.j) ->> 'id'
                else (coalesce(n.j, o.j) - 'tenant_id')::text end,
           audit.context_text('app.ip')::inet, audit.context_text('app.request_id'),
           'UPDATE', tg_table_name, o.j - redacted, n.j - redacted,
           array(select k.key from pg_catalog.jsonb_each(n.j) k
                 where k.value is distinct from o.j -> k.key order by k.key)
    from (select r.j, case when pk = array['tenant_id', 'id'] then (r.j ->> 'tenant_id') || '/' || (r.j ->> 'id')
                           else (select pg_catalog.string_agg(r.j ->> c, '/') from pg_catalog.unnest(pk) c) end as k
          from (select pg_catalog.to_jsonb(t) as j from old_rows t offset 0) r offset 0) o
    full join (select r.j, case when pk = array['tenant_id', 'id'] then (r.j ->> 'tenant_id') || '/' || (r.j ->> 'id')
                                else (select pg_catalog.string_agg(r.j ->> c, '/') from pg_catalog.unnest(pk) c) end as k
               from (select pg_catalog.to_jsonb(t) as j from new_rows t offset 0) r offset 0) n
      on o.k = n.k;
    return null;
  end
  $$;`;

export async function installBenchTriggers(owner: pg.Pool): Promise<void> {
  await owner.query(rowTriggerSql);
  await owner.query(proposedCaptureSql);
}

// The trigger arguments audit.enable_tracking computes for public.skills: nothing to redact, key (tenant_id, id).
const skillsCaptureArgs = `'{}', '{tenant_id,id}'`;

/**
 * Puts `table` in `mode` (idempotent): drops whatever capture it had, then
 * attaches the mode's triggers. `proposed` attaches insert and update
 * capture only, with public.skills' arguments.
 */
export async function setCaptureMode(owner: pg.Pool, table: string, mode: CaptureMode): Promise<void> {
  const client = await owner.connect();
  try {
    await client.query('begin');
    await client.query(`select audit.disable_tracking($1::regclass)`, [table]);
    await client.query(`drop trigger if exists bench_row_audit on ${table}`);
    if (mode === 'statement') await client.query(`select audit.enable_tracking($1::regclass)`, [table]);
    if (mode === 'proposed') {
      await client.query(`create trigger audit_capture_insert after insert on ${table}
        referencing new table as changed_rows for each statement
        execute function bench_audit.capture_insert_or_delete(${skillsCaptureArgs})`);
      await client.query(`create trigger audit_capture_update after update on ${table}
        referencing old table as old_rows new table as new_rows for each statement
        execute function bench_audit.capture_update(${skillsCaptureArgs})`);
    }
    if (mode === 'row') {
      await client.query(`create trigger bench_row_audit after insert or update or delete on ${table}
        for each row execute function bench_audit.capture_row('{}')`);
    }
    await client.query('commit');
  } catch (error) {
    await client.query('rollback').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/**
 * Empties the ledger of a throwaway benchmark database, so every bulk round
 * and the sealing run start from the same state. The owner lifts the
 * append-only truncate guard for the length of one transaction only.
 */
export async function emptyLedger(owner: pg.Pool): Promise<void> {
  const client = await owner.connect();
  try {
    await client.query('begin');
    await client.query('alter table audit_logs disable trigger audit_logs_no_truncate');
    await client.query('alter table audit.seals disable trigger seals_no_truncate');
    await client.query('truncate audit_logs, audit.seals');
    await client.query('alter table audit_logs enable trigger audit_logs_no_truncate');
    await client.query('alter table audit.seals enable trigger seals_no_truncate');
    await client.query('commit');
  } catch (error) {
    await client.query('rollback').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
