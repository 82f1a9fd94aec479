import { openClient } from '../../open-client.ts';
import { runnerFor } from '../../sql-runner.ts';
import {
  type EnsureLedgerPartitionsOptions,
  ensureLedgerPartitions,
  type LedgerPartitionMonth,
} from './ensure-ledger-partitions.ts';
import { type LedgerPartition, listLedgerPartitions } from './list-ledger-partitions.ts';

export interface LedgerMaintenance {
  /** The months this run made sure of, new partitions marked `created`. */
  months: LedgerPartitionMonth[];
  /** Every ledger partition afterwards. */
  partitions: LedgerPartition[];
}

/**
 * `skillhub maintain` over the owner's connection: creates the ledger's
 * partitions for this month and the months ahead, then lists them all.
 */
export async function maintainLedger(
  ownerUrl: string,
  options: EnsureLedgerPartitionsOptions = {},
): Promise<LedgerMaintenance> {
  const client = await openClient(ownerUrl);
  try {
    const run = runnerFor(client);
    const months = await ensureLedgerPartitions(run, options);
    return { months, partitions: await listLedgerPartitions(run) };
  } finally {
    await client.end();
  }
}
