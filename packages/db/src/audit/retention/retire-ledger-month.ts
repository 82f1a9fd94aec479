import { sql } from 'drizzle-orm';
import type { WorkerTx } from '../../tenant-context/worker-transaction.ts';
import type { CheckpointSigner } from '../checkpoints/sign-grown-trees.ts';
import { signNote } from '../checkpoints/signed-note.ts';
import type { RetentionBounds } from './apply-retention.ts';

/** One chain with events in a month: what retiring the month removes from it, or why it stops the month. */
export interface MonthChain {
  /** Tenant id, or '' for the system chain. */
  chain: string;
  /** The chain's events in the month. */
  events: number;
  /** Leaves [startLeaf, endLeaf) leave (endLeaf: the chain's last leaf in the month); null for security events. */
  startLeaf: number | null;
  endLeaf: number | null;
  blockedBy: string | null;
}

export type MonthRetirementStatus = 'retired' | 'would-retire' | 'blocked';

/** A month of the ledger that a run retired, would retire, or found blocked. */
export interface MonthRetirement {
  table: 'audit_logs' | 'security_events';
  partition: string;
  rangeFrom: Date;
  rangeTo: Date;
  status: MonthRetirementStatus;
  /** Per chain with events in the month (empty for a month without events or one too young to go). */
  chains: MonthChain[];
  /** Why the month stays, when it does: the month itself, or the first chain that stops it. */
  blockedBy: string | null;
  /** Events that left with the month (retired only), including those of the ranges outside it. */
  eventsRemoved: number;
}

interface PlanRow extends Record<string, unknown> {
  partition_name: string;
  range_from: Date;
  range_to: Date;
  chain: string | null;
  events: string | null;
  start_leaf?: string | null;
  end_leaf?: string | null;
  blocked_by: string | null;
  body?: string | null;
}

const chainName = (chain: string) => (chain === '' ? 'the system chain' : `chain ${chain}`);

function toRetirement(table: MonthRetirement['table'], rows: PlanRow[], dryRun: boolean): MonthRetirement {
  const first = rows[0] as PlanRow;
  const chains = rows
    .filter((row) => row.chain !== null)
    .map((row) => ({
      chain: row.chain as string,
      events: Number(row.events ?? 0),
      startLeaf: row.start_leaf == null ? null : Number(row.start_leaf),
      endLeaf: row.end_leaf == null ? null : Number(row.end_leaf),
      blockedBy: row.blocked_by,
    }));
  const stopping = rows.find((row) => row.blocked_by !== null);
  return {
    table,
    partition: first.partition_name,
    rangeFrom: new Date(first.range_from),
    rangeTo: new Date(first.range_to),
    status: stopping ? 'blocked' : dryRun ? 'would-retire' : 'retired',
    chains,
    blockedBy: stopping
      ? stopping.chain === null
        ? stopping.blocked_by
        : `${chainName(stopping.chain)}: ${stopping.blocked_by}`
      : null,
    eventsRemoved: 0,
  };
}

/**
 * Retires the ledger's oldest month of `audit_logs` when every chain with
 * events in it allows it (migration 0052), in a transaction under the
 * retention run's signed context (`Database.ledgerRetention`):
 * `audit.month_retirement_plan` takes the locks and says, per chain, which
 * leaves would leave or why the chain stops the month; each body is signed
 * here with the checkpoint key, and `audit.retire_ledger_month` plans again
 * under the same locks, refuses notes that are not exactly those, writes
 * one retention record per chain, deletes the ranges' events outside the
 * month, and detaches the month's partition and sets it aside (its files
 * are freed afterwards, see `Database.reclaimRetiredLedgerMonths`). Null when the ledger
 * has no month partition; `blocked` (nothing written) when a chain or the
 * month's age stops it; with `dryRun`, plans only.
 */
export async function retireOldestLedgerMonth(
  tx: WorkerTx,
  signer: CheckpointSigner,
  bounds: RetentionBounds,
  options: { dryRun?: boolean } = {},
): Promise<MonthRetirement | null> {
  const { rows } = await tx.execute<PlanRow>(
    sql`select partition_name, range_from, range_to, chain, events, start_leaf, end_leaf, blocked_by, body
        from audit.month_retirement_plan(${signer.deployment}, ${bounds.minDays}, ${bounds.maxDays})`,
  );
  if (rows.length === 0) return null;
  const retirement = toRetirement('audit_logs', rows, options.dryRun ?? false);
  if (retirement.status !== 'retired') return retirement;
  const notes = rows.filter((row) => row.chain !== null).map((row) => signNote(signer.key, row.body ?? ''));
  const retired = await tx.execute<{ events_removed: string }>(
    sql`select events_removed from audit.retire_ledger_month(${signer.deployment}, ${sql.param(notes)}::text[],
          ${bounds.minDays}, ${bounds.maxDays})`,
  );
  return { ...retirement, eventsRemoved: retired.rows.reduce((sum, row) => sum + Number(row.events_removed), 0) };
}

/**
 * Drops the oldest month of `security_events` when every chain with events
 * in it lets them go (a policy whose cutoff is past the month's end, no
 * active legal hold): security events are not leaves of any chain, their
 * audit twins are. Same transaction rules as {@link retireOldestLedgerMonth}.
 */
export async function retireOldestSecurityMonth(
  tx: WorkerTx,
  signer: CheckpointSigner,
  bounds: RetentionBounds,
  options: { dryRun?: boolean } = {},
): Promise<MonthRetirement | null> {
  const { rows } = await tx.execute<PlanRow>(
    sql`select partition_name, range_from, range_to, chain, events, blocked_by
        from audit.security_month_plan(${signer.deployment}, ${bounds.minDays}, ${bounds.maxDays})`,
  );
  if (rows.length === 0) return null;
  const retirement = toRetirement('security_events', rows, options.dryRun ?? false);
  if (retirement.status !== 'retired') return retirement;
  const dropped = await tx.execute<{ partition: string | null }>(
    sql`select audit.retire_security_month(${signer.deployment}, ${bounds.minDays}, ${bounds.maxDays}) as partition`,
  );
  if (dropped.rows[0]?.partition !== retirement.partition) return { ...retirement, status: 'blocked' };
  return { ...retirement, eventsRemoved: retirement.chains.reduce((sum, chain) => sum + chain.events, 0) };
}
