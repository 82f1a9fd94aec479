import type { SqlRunner } from '../../sql-runner.ts';

/** One month of one ledger table, as `audit.ensure_ledger_partitions` reports it. */
export interface LedgerPartitionMonth {
  table: 'audit_logs' | 'security_events';
  partition: string;
  from: Date;
  to: Date;
  /** True when this call created the partition; false when one already covered the month. */
  created: boolean;
}

export interface EnsureLedgerPartitionsOptions {
  /** The clock: partitions are made for its UTC month and the months after it (default: the database's now). */
  at?: Date;
  /** How many months after the current one must exist too (0-24, default 3). */
  monthsAhead?: number;
}

export const defaultMonthsAhead = 3;

interface Row extends Record<string, unknown> {
  table_name: LedgerPartitionMonth['table'];
  partition_name: string;
  range_from: Date;
  range_to: Date;
  created: boolean;
}

/**
 * Makes sure both ledger tables have a partition for the current month and
 * `monthsAhead` months after it. Idempotent: a second call, or one from
 * another process at the same time (they take turns on an advisory lock),
 * creates nothing. The runtime role may call it for the present only; a
 * different `at` needs the owner.
 *
 * @example
 * const months = await ensureLedgerPartitions(run);
 * for (const m of months.filter((m) => m.created)) log(m.partition);
 */
export async function ensureLedgerPartitions(
  run: SqlRunner,
  options: EnsureLedgerPartitionsOptions = {},
): Promise<LedgerPartitionMonth[]> {
  const { rows } = await run<Row>(
    `select table_name, partition_name, range_from, range_to, created
     from audit.ensure_ledger_partitions(coalesce($1::timestamptz, now()), $2::integer)`,
    [options.at?.toISOString() ?? null, options.monthsAhead ?? defaultMonthsAhead],
  );
  return rows.map((r) => ({
    table: r.table_name,
    partition: r.partition_name,
    from: r.range_from,
    to: r.range_to,
    created: r.created,
  }));
}
