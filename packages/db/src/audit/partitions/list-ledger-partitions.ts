import type { SqlRunner } from '../../sql-runner.ts';

/** A partition of the ledger as the catalog describes it. */
export interface LedgerPartition {
  table: 'audit_logs' | 'security_events';
  partition: string;
  /** Null for the history partition, which starts at MINVALUE. */
  from: Date | null;
  to: Date;
  /** The planner's estimate; null until the partition was first analyzed. */
  approxRows: number | null;
  /** Table, indexes and TOAST. */
  bytes: number;
}

interface Row extends Record<string, unknown> {
  table_name: LedgerPartition['table'];
  partition_name: string;
  range_from: Date | null;
  range_to: Date;
  approx_rows: string | null;
  bytes: string;
}

/** Every partition of `audit_logs` and `security_events`, oldest first (the owner's read: the view grants nobody else). */
export async function listLedgerPartitions(run: SqlRunner): Promise<LedgerPartition[]> {
  const { rows } = await run<Row>(
    `select table_name, partition_name, range_from, range_to, approx_rows, bytes
     from audit.ledger_partitions
     order by table_name, range_from nulls first`,
  );
  return rows.map((r) => ({
    table: r.table_name,
    partition: r.partition_name,
    from: r.range_from,
    to: r.range_to,
    approxRows: r.approx_rows === null ? null : Number(r.approx_rows),
    bytes: Number(r.bytes),
  }));
}
