import type { RawPool } from '@skillhub/db/bench';
import { formatTable } from '../lib/print-table.ts';

/** Bytes of each table with its indexes and TOAST, and the rows it holds. */
export interface TableSize {
  table: string;
  rows: number;
  bytes: number;
}

/**
 * pg_total_relation_size (heap, TOAST and every index) and the exact row
 * count of each table; a partitioned table's size is its partitions' (its
 * own relation holds no rows, and pg_total_relation_size of it is 0).
 */
export async function tableSizes(owner: RawPool, tables: string[]): Promise<TableSize[]> {
  const sizes: TableSize[] = [];
  for (const table of tables) {
    const { rows } = await owner.query<{ rows: string; bytes: string }>(
      `select (select count(*) from ${table}) as rows,
              coalesce((select sum(pg_total_relation_size(p.relid)) from pg_partition_tree($1::regclass) p),
                       pg_total_relation_size($1::regclass)) as bytes`,
      [table],
    );
    sizes.push({ table, rows: Number(rows[0]?.rows ?? 0), bytes: Number(rows[0]?.bytes ?? 0) });
  }
  return sizes;
}

/** Tenants whose chains verification checks: every `step`-th, so they are spread over the load. */
export const spreadSample = (ids: string[], count: number): string[] =>
  ids.filter((_, i) => i % Math.max(1, Math.floor(ids.length / count)) === 0).slice(0, count);

/**
 * Section 5: pg_total_relation_size of the ledger and the catalog, per
 * million rows, and of the whole ledger per million events. Seals are
 * counted as they stand (a run still sealing has fewer seals than events).
 */
export async function printSizes(owner: RawPool): Promise<void> {
  const sizes = await tableSizes(owner, [
    'public.audit_logs',
    'audit.seals',
    'public.security_events',
    'public.skills',
  ]);
  const of = (table: string) => sizes.find((t) => t.table === table) ?? { table, rows: 0, bytes: 0 };
  const mb = (bytes: number) => bytes / 2 ** 20;
  const perMillion = (bytes: number, rows: number) => ((mb(bytes) * 1e6) / rows).toFixed(0);
  console.log('\n5. size (pg_total_relation_size: heap, TOAST and indexes)');
  console.log(
    formatTable([
      ['', 'rows', 'MB', 'MB per million rows'],
      ...sizes.map((t) => [
        t.table,
        t.rows.toLocaleString('en-US'),
        mb(t.bytes).toFixed(0),
        perMillion(t.bytes, t.rows),
      ]),
    ]),
  );
  const events = of('public.audit_logs').rows;
  // A seal per event once sealing is done: counted at its own rate per row.
  const ledgerPerMillion =
    (mb(of('public.audit_logs').bytes) * 1e6) / events +
    (mb(of('audit.seals').bytes) * 1e6) / Math.max(1, of('audit.seals').rows) +
    (mb(of('public.security_events').bytes) * 1e6) / events;
  console.log(
    `  the ledger per million events (audit_logs, a seal each, and the sign-ins' security_events): ${ledgerPerMillion.toFixed(0)} MB`,
  );
}
