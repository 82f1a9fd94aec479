import type { OrderedLedgerMonth } from '../ordering/order-ledger-month.ts';
import type { LedgerPartitionMonth } from './ensure-ledger-partitions.ts';

/** Hourly is plenty: partitions are made three months ahead, and the doctor fails when next month's is missing. */
export const defaultPartitionIntervalMs = 60 * 60 * 1000;

export interface PartitionMaintainerOptions {
  intervalMs?: number;
  /** Told each partition a round created. */
  onCreated?: (created: LedgerPartitionMonth[]) => void;
  /** Told when a round failed; the next round tries again. */
  onError?: (error: unknown) => void;
  /** Each round, after the partitions: rewrites at most one closed month in tenant order (migration 0056). */
  orderMonth?: () => Promise<OrderedLedgerMonth | null>;
  /** Told each month a round ordered. */
  onOrdered?: (month: OrderedLedgerMonth) => void;
}

export interface PartitionMaintainer {
  /** Resolves after the first round (made at start), whether it succeeded or not. */
  started: Promise<void>;
  /** Stops the loop, waiting for a round in progress. */
  stop(): Promise<void>;
}

/**
 * Runs `ensure` at once and then every `intervalMs` until stopped, each
 * round followed by `orderMonth` when given. A failed round (a lock not
 * granted in time, the database briefly away) is reported and retried at
 * the next tick, not fatal: the months ahead give the loop many chances
 * before a month starts without its partition, and a month left unordered
 * is only slower to read.
 */
export function startPartitionMaintainer(
  ensure: () => Promise<LedgerPartitionMonth[]>,
  options: PartitionMaintainerOptions = {},
): PartitionMaintainer {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const round = async () => {
    try {
      const created = (await ensure()).filter((m) => m.created);
      if (created.length > 0) options.onCreated?.(created);
    } catch (error) {
      options.onError?.(error);
    }
    if (!options.orderMonth) return;
    try {
      const ordered = await options.orderMonth();
      if (ordered?.ordered) options.onOrdered?.(ordered);
    } catch (error) {
      options.onError?.(error);
    }
  };
  let running = round();
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = round().then(schedule);
    }, options.intervalMs ?? defaultPartitionIntervalMs);
    timer.unref();
  };
  const started = running.then(schedule);
  return {
    started,
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
