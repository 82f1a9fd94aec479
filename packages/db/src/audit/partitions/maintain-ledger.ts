import { drizzle } from 'drizzle-orm/node-postgres';
import { openClient } from '../../open-client.ts';
import { runnerFor } from '../../sql-runner.ts';
import {
  type LedgerMonthOrder,
  type OrderedLedgerMonth,
  orderNextLedgerMonth,
  readLedgerMonthOrder,
} from '../ordering/order-ledger-month.ts';
import {
  type EnsureLedgerPartitionsOptions,
  ensureLedgerPartitions,
  type LedgerPartitionMonth,
} from './ensure-ledger-partitions.ts';
import { type LedgerPartition, listLedgerPartitions } from './list-ledger-partitions.ts';

export interface LedgerMaintenance {
  /** The months this run made sure of, new partitions marked `created`. */
  months: LedgerPartitionMonth[];
  /** The closed month this run rewrote in tenant order; null when none was left (or `order` was false). */
  ordered: OrderedLedgerMonth | null;
  /** Every month of `audit_logs` afterwards, closed or not, ordered or not. */
  order: LedgerMonthOrder[];
  /** Every ledger partition afterwards. */
  partitions: LedgerPartition[];
}

export interface MaintainLedgerOptions extends EnsureLedgerPartitionsOptions {
  /** Rewrite the oldest closed month not yet in tenant order (default true; one month per run). */
  order?: boolean;
}

/**
 * `skillhub maintain` over the owner's connection: creates the ledger's
 * partitions for this month and the months ahead, orders at most one
 * closed month (its own transaction), then lists them all.
 */
export async function maintainLedger(
  ownerUrl: string,
  options: MaintainLedgerOptions = {},
): Promise<LedgerMaintenance> {
  const client = await openClient(ownerUrl);
  try {
    const run = runnerFor(client);
    const months = await ensureLedgerPartitions(run, options);
    const db = drizzle(client);
    let ordered: OrderedLedgerMonth | null = null;
    if (options.order ?? true) {
      await client.query('begin');
      try {
        ordered = await orderNextLedgerMonth(db);
        await client.query('commit');
      } catch (error) {
        await client.query('rollback');
        const reason = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : error;
        throw new Error(`the ledger's partitions are made; ordering a closed month failed: ${reason}`, {
          cause: error,
        });
      }
    }
    return { months, ordered, order: await readLedgerMonthOrder(db), partitions: await listLedgerPartitions(run) };
  } finally {
    await client.end();
  }
}
