import type { RawPool } from '@skillhub/db/bench';
import { eventsSelect, monthStart } from './load-ledgers.ts';

export interface DropTiming {
  rows: number;
  bytes: number;
  /** ALTER TABLE audit_logs DETACH PARTITION (0 when dropped attached), then DROP TABLE. */
  detachMs: number;
  dropMs: number;
  detached: boolean;
  /** The baseline: DELETE of the same rows from an unpartitioned table holding only them, with the same indexes. */
  deleteMs: number;
}

const since = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

/**
 * Fills the month `offset` months after the loaded year's first with
 * `rows` events, then times leaving it two ways: dropping its partition
 * (detached first, or dropped attached, which detaches it in the same
 * statement), and deleting the same rows from an unpartitioned table. The
 * partition is created by the product's function; it is dropped as the
 * owner, the append-only guards being row and TRUNCATE triggers that a
 * DROP does not fire. The security control alarm watches the dropped
 * table and records its removal in the same statement: its cost is part
 * of what is timed, as it would be for retention.
 */
export async function timeMonthDrop(
  owner: RawPool,
  offset: number,
  rows: number,
  detachFirst: boolean,
): Promise<DropTiming> {
  const from = monthStart(offset);
  const to = monthStart(offset + 1);
  await owner.query('select count(*) from audit.ensure_ledger_partitions($1, 0)', [from.toISOString()]);
  const { rows: named } = await owner.query<{ partition_name: string }>(
    'select partition_name from audit.ledger_partitions where table_name = $1 and range_from = $2',
    ['audit_logs', from.toISOString()],
  );
  const partition = named[0]?.partition_name;
  if (!partition) throw new Error(`no partition made for ${from.toISOString()}`);
  const table = `bench_timeline.month_${offset}`;
  await owner.query(`create table ${table} (like public.audit_logs including defaults including constraints)`);
  await owner.query(`alter table ${table} add primary key (id)`);
  for (const columns of [
    'tenant_id, created_at desc',
    'actor_id, created_at desc',
    'action, created_at desc',
    'txid, seq',
  ]) {
    await owner.query(`create index on ${table} (${columns})`);
  }
  await owner.query(`create index on ${table} using brin (created_at)`);
  const args = [from.toISOString(), to.toISOString(), 1000, 1, rows, rows];
  await owner.query(eventsSelect(table), args);
  await owner.query(`insert into public.audit_logs overriding system value select * from ${table}`);
  await owner.query(`vacuum analyze ${table}`);
  await owner.query(`vacuum analyze public.${partition}`);
  const { rows: sized } = await owner.query<{ bytes: string }>('select pg_total_relation_size($1::regclass) as bytes', [
    `public.${partition}`,
  ]);
  let t0 = process.hrtime.bigint();
  if (detachFirst) await owner.query(`alter table public.audit_logs detach partition public.${partition}`);
  const detachMs = detachFirst ? since(t0) : 0;
  t0 = process.hrtime.bigint();
  await owner.query(`drop table public.${partition}`);
  const dropMs = since(t0);
  t0 = process.hrtime.bigint();
  await owner.query(`delete from ${table}`);
  const deleteMs = since(t0);
  await owner.query(`drop table ${table}`);
  return { rows, bytes: Number(sized[0]?.bytes ?? 0), detachMs, dropMs, deleteMs, detached: detachFirst };
}
