import { sql } from 'drizzle-orm';
import type { WorkerTx } from '../../tenant-context/worker-transaction.ts';
import type { CheckpointSigner } from '../checkpoints/sign-grown-trees.ts';
import type { RetentionBounds } from './apply-retention.ts';
import { retireOldestLedgerMonth, retireOldestSecurityMonth } from './retire-ledger-month.ts';

/** A month partition of the ledger, and whether it can leave now. */
export interface LedgerMonthState {
  table: 'audit_logs' | 'security_events';
  partition: string;
  rangeFrom: Date;
  rangeTo: Date;
  /** Exact count of the month's rows. */
  events: number;
  /** The partition's table, indexes and TOAST. */
  bytes: number;
  retirableNow: boolean;
  /** Why it stays: a chain and its reason, the month's age, or an older month that must leave first. */
  blockedBy: string | null;
}

interface MonthRow extends Record<string, unknown> {
  table_name: 'audit_logs' | 'security_events';
  partition_name: string;
  range_from: Date;
  range_to: Date;
  events: string;
  bytes: string;
}

/**
 * Every month partition of the ledger (not the `_history` ones), oldest
 * first per table, with its rows and size, and for the oldest of each table
 * whether it can be retired now or which chain stops it and why (the plans
 * of {@link retireOldestLedgerMonth}, dry). Months leave oldest first, so a
 * later one waits for it. Writes nothing; counting reads every month.
 */
export async function readLedgerMonths(
  tx: WorkerTx,
  signer: CheckpointSigner,
  bounds: RetentionBounds,
): Promise<LedgerMonthState[]> {
  const { rows } = await tx.execute<MonthRow>(
    sql`select table_name, partition_name, range_from, range_to, events, bytes from audit.ledger_months()`,
  );
  const oldest = {
    audit_logs: await retireOldestLedgerMonth(tx, signer, bounds, { dryRun: true }),
    security_events: await retireOldestSecurityMonth(tx, signer, bounds, { dryRun: true }),
  };
  return rows.map((row) => {
    const first = oldest[row.table_name];
    const isOldest = first?.partition === row.partition_name;
    return {
      table: row.table_name,
      partition: row.partition_name,
      rangeFrom: new Date(row.range_from),
      rangeTo: new Date(row.range_to),
      events: Number(row.events),
      bytes: Number(row.bytes),
      retirableNow: isOldest && first?.status === 'would-retire',
      blockedBy: isOldest ? (first?.blockedBy ?? null) : `${first?.partition ?? 'an older month'} leaves first`,
    };
  });
}
