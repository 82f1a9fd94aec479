import type { Database, OrderedLedgerMonth } from '@skillhub/db';
import type { RawPool } from '@skillhub/db/bench';
import { backendCpuSeconds } from '../lib/backend-cpu.ts';

export interface MonthOrdering extends OrderedLedgerMonth {
  bytes: number;
  /** Wall time of the whole transaction, and the server backend's CPU seconds over it. */
  totalMs: number;
  cpuSeconds: number;
}

/**
 * Orders the oldest closed month not ordered yet through the server's own
 * path (`Database.orderNextLedgerMonth`: the retention run's signed context
 * and the door of migration 0056), in one transaction, as one hourly pass
 * of the maintenance loop would; null when none is left.
 */
export async function orderNextMonth(
  db: Database,
  owner: RawPool,
  appRole: string,
  progress: (message: string) => void,
): Promise<MonthOrdering | null> {
  const cpu = await backendCpuSeconds(owner, appRole);
  const t0 = process.hrtime.bigint();
  const month = await db.orderNextLedgerMonth();
  const totalMs = Number(process.hrtime.bigint() - t0) / 1e6;
  if (!month) return null;
  const { rows } = await owner.query<{ bytes: string }>('select pg_total_relation_size($1::regclass) as bytes', [
    `public.${month.partition}`,
  ]);
  progress(`ordered ${month.partition}: ${month.events.toLocaleString('en-US')} events in ${totalMs.toFixed(0)} ms`);
  return {
    ...month,
    bytes: Number(rows[0]?.bytes ?? 0),
    totalMs,
    cpuSeconds: (await backendCpuSeconds(owner, appRole)) - cpu,
  };
}

/** Orders every closed month of the ledger, oldest first, one month per transaction (`orderNextMonth`). */
export async function orderClosedMonths(
  db: Database,
  owner: RawPool,
  appRole: string,
  progress: (message: string) => void,
): Promise<MonthOrdering[]> {
  const done: MonthOrdering[] = [];
  for (;;) {
    const month = await orderNextMonth(db, owner, appRole, progress);
    if (!month) return done;
    done.push(month);
  }
}
