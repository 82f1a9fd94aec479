import { sql } from 'drizzle-orm';
import type { WorkerTx } from '../../tenant-context/worker-transaction.ts';

/** A month of `audit_logs`, and whether it is (or may be) in tenant order. */
export interface LedgerMonthOrder {
  partition: string;
  from: Date;
  to: Date;
  /** It ended more than a day ago (the door also needs every event of it sealed). */
  closed: boolean;
  ordered: boolean;
  orderedAt: Date | null;
}

/** What `audit.order_ledger_month` did to one month. */
export interface OrderedLedgerMonth {
  partition: string;
  events: number;
  /** The proof's digest of the month's rows (the same before and after), as recorded in the ledger. */
  digest: string;
  /** False when the month was already in tenant order: nothing was done. */
  ordered: boolean;
  /** Milliseconds of each step: the ordered copy, its indexes, the proof, the swap. */
  copyMs: number;
  indexMs: number;
  proofMs: number;
  swapMs: number;
}

/** The statement timeout of an ordering transaction: an hour, for a month of millions of events. */
export const orderingStatementTimeoutMs = 3_600_000;

interface OrderRow extends Record<string, unknown> {
  partition_name: string;
  range_from: Date;
  range_to: Date;
  closed: boolean;
  ordered: boolean;
  ordered_at: Date | null;
}

interface OrderedRow extends Record<string, unknown> {
  partition_name: string;
  events: string;
  digest: string;
  ordered: boolean;
  copy_ms: number;
  index_ms: number;
  proof_ms: number;
  swap_ms: number;
}

/**
 * Every month partition of `audit_logs`, oldest first, closed or not and
 * ordered or not (migration 0056). Under the server's retention context or
 * over the operator's connection; the runtime role otherwise gets 42501.
 */
export async function readLedgerMonthOrder(tx: WorkerTx): Promise<LedgerMonthOrder[]> {
  const { rows } = await tx.execute<OrderRow>(
    sql`select partition_name, range_from, range_to, closed, ordered, ordered_at from audit.ledger_month_order()`,
  );
  return rows.map((r) => ({
    partition: r.partition_name,
    from: new Date(r.range_from),
    to: new Date(r.range_to),
    closed: r.closed,
    ordered: r.ordered,
    orderedAt: r.ordered_at === null ? null : new Date(r.ordered_at),
  }));
}

/**
 * Rewrites one closed month of `audit_logs` in (tenant, time) order through
 * `audit.order_ledger_month`, in the caller's transaction: a copy proven
 * identical row for row, swapped in by DETACH/ATTACH, recorded as
 * `audit.ledger_month_ordered`. Idempotent (a month already ordered comes
 * back with `ordered: false`). Refuses a month that is not closed or not
 * sealed (SQLSTATE 55000) and gives up when a reader holds the ledger for
 * more than a second at the swap (55P03); either way nothing changed. Sets
 * the transaction's statement timeout to {@link orderingStatementTimeoutMs}.
 */
export async function orderLedgerMonth(tx: WorkerTx, partition: string): Promise<OrderedLedgerMonth> {
  // A month of a few hundred thousand events takes longer than a worker's 30-s statement timeout
  // (measured: 26 s for 411,000 on a busy machine); the rewrite holds no lock readers wait on until its swap.
  await tx.execute(sql`select set_config('statement_timeout', ${String(orderingStatementTimeoutMs)}, true)`);
  const { rows } = await tx.execute<OrderedRow>(
    sql`select partition_name, events, digest, ordered, copy_ms, index_ms, proof_ms, swap_ms
        from audit.order_ledger_month(${partition})`,
  );
  const row = rows[0] as OrderedRow;
  return {
    partition: row.partition_name,
    events: Number(row.events),
    digest: row.digest,
    ordered: row.ordered,
    copyMs: Number(row.copy_ms),
    indexMs: Number(row.index_ms),
    proofMs: Number(row.proof_ms),
    swapMs: Number(row.swap_ms),
  };
}

/**
 * The oldest closed month not yet in tenant order, ordered (at most one
 * per call: the maintenance loop's and `skillhub maintain`'s step); null
 * when every closed month is ordered.
 */
export async function orderNextLedgerMonth(tx: WorkerTx): Promise<OrderedLedgerMonth | null> {
  const next = (await readLedgerMonthOrder(tx)).find((m) => m.closed && !m.ordered);
  return next ? orderLedgerMonth(tx, next.partition) : null;
}
