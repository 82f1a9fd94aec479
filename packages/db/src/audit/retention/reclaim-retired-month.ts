import { sql } from 'drizzle-orm';
import type { WorkerTx } from '../../tenant-context/worker-transaction.ts';

/**
 * Frees the disk of one month that retirement set aside (migration 0057):
 * `audit.reclaim_retired_month` drops the first table left in the
 * `audit_retired` schema and returns its name, or null when none is left.
 * The month left the ledger when it was retired; this only gives its files
 * back, in a transaction that holds no lock on the ledger, under the
 * retention run's signed context (`Database.ledgerRetention`).
 */
export async function reclaimRetiredMonth(tx: WorkerTx): Promise<string | null> {
  const { rows } = await tx.execute<{ partition: string | null }>(
    sql`select audit.reclaim_retired_month() as partition`,
  );
  return rows[0]?.partition ?? null;
}
