import type { RawPool } from '@skillhub/db/bench';
import { inTransaction } from '../lib/in-transaction.ts';

/**
 * How row changes on the measured table reach the ledger:
 * - `none`: no change capture (the baseline);
 * - `statement`: the design, `audit.enable_tracking` (statement-level
 *   triggers reading transition tables, one insert … select per statement);
 * - `row`: the classic alternative, a `for each row` trigger that inserts one
 *   ledger row per changed row with `to_jsonb(old)` / `to_jsonb(new)`.
 */
export type CaptureMode = 'none' | 'statement' | 'row';

export const captureModes: CaptureMode[] = ['none', 'statement', 'row'];

export const captureLabels: Record<CaptureMode, string> = {
  none: 'untracked (no change capture)',
  statement: 'statement-level capture (the design)',
  row: 'row-level trigger (classic, for comparison)',
};

/**
 * The classic generic row-level trigger: `to_jsonb(old)` / `to_jsonb(new)`
 * and changed fields by a jsonb diff, one ledger insert per row. It records
 * what the design records (same columns, the verified context, redaction,
 * changed_fields on UPDATE), and like the design's capture it is SECURITY
 * DEFINER owned by skillhub_system, the runtime role having no INSERT on the
 * ledger. A row-level trigger reads the context once per row, the design
 * once per statement. Lives in its own schema, created by the benchmark.
 */
const rowTriggerSql = `
  create schema if not exists bench_audit;
  create or replace function bench_audit.capture_row() returns trigger
  language plpgsql security definer set search_path = '' as $$
  declare
    redacted text[] := tg_argv[0]::text[];
    ctx platform.request_context := platform.verified_context();
    old_j jsonb;
    new_j jsonb;
  begin
    if tg_op <> 'INSERT' then old_j := pg_catalog.to_jsonb(old) - redacted; end if;
    if tg_op <> 'DELETE' then new_j := pg_catalog.to_jsonb(new) - redacted; end if;
    insert into public.audit_logs (tenant_id, actor_type, actor_id, action, resource_type, resource_id,
      ip_address, request_id, operation, table_name, old_record, new_record, changed_fields)
    values (coalesce(new_j ->> 'tenant_id', old_j ->> 'tenant_id'), coalesce(ctx.actor_type, 'system'),
      ctx.actor_id, tg_table_name || '.' || pg_catalog.lower(tg_op), tg_table_name,
      coalesce(new_j, old_j) ->> 'id', ctx.ip, ctx.request_id,
      tg_op::audit.operation, tg_table_name, old_j, new_j,
      case when tg_op = 'UPDATE' then array(select k.key from pg_catalog.jsonb_each(new_j) k
                                            where k.value is distinct from old_j -> k.key order by k.key) end);
    return null;
  end
  $$;
  alter function bench_audit.capture_row() owner to skillhub_system;
  grant usage on schema bench_audit to skillhub_app;`;

export async function installBenchTriggers(owner: RawPool): Promise<void> {
  await owner.query(rowTriggerSql);
}

/**
 * Puts `table` in `mode` (idempotent): drops whatever capture it had, then
 * attaches the mode's triggers.
 */
export async function setCaptureMode(owner: RawPool, table: string, mode: CaptureMode): Promise<void> {
  await inTransaction(owner, async (client) => {
    await client.query(`select audit.disable_tracking($1::regclass)`, [table]);
    await client.query(`drop trigger if exists bench_row_audit on ${table}`);
    if (mode === 'statement') await client.query(`select audit.enable_tracking($1::regclass)`, [table]);
    if (mode === 'row') {
      await client.query(`create trigger bench_row_audit after insert or update or delete on ${table}
        for each row execute function bench_audit.capture_row('{}')`);
    }
  });
}

/**
 * Empties the ledger of a throwaway benchmark database, so every bulk round
 * and the sealing run start from the same state. The owner (a superuser
 * here) lifts the append-only truncate guards for the length of one
 * transaction only, the ledger's monthly partitions' own guards included
 * (a statement trigger on the partitioned table does not cover them).
 */
export async function emptyLedger(owner: RawPool): Promise<void> {
  await inTransaction(owner, async (client) => {
    await client.query('set local session_replication_role = replica');
    await client.query('truncate audit_logs, audit.seals, audit.tree_nodes');
  });
}
