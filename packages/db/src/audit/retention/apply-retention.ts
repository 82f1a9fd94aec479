import { sql } from 'drizzle-orm';
import { requireScope } from '../../identity/current-tx.ts';
import { type CheckpointSigner, checkpointOrigin } from '../checkpoints/sign-grown-trees.ts';
import { signNote } from '../checkpoints/signed-note.ts';

/** The deployment's bounds on every workspace's policy, in days (SKILLHUB_RETENTION_MIN_DAYS / _MAX_DAYS). */
export interface RetentionBounds {
  minDays: number;
  maxDays: number | null;
}

export type RetentionStatus = 'removed' | 'would-remove' | 'nothing-expired' | 'blocked' | 'no-policy';

/** What one run did (or, dry, would do) to the current workspace's ledger. */
export interface RetentionOutcome {
  tenantId: string;
  status: RetentionStatus;
  /** The policy in force, clamped to the bounds; null when the workspace keeps everything. */
  keepDays: number | null;
  cutoff: Date | null;
  /** Leaves [startLeaf, endLeaf) leave (or left); startLeaf = endLeaf when none. */
  startLeaf: number;
  endLeaf: number;
  /** Where the expired prefix ends; beyond endLeaf when something held the removal back. */
  expiredEnd: number;
  eventsRemoved: number;
  /** Why endLeaf stops short of expiredEnd (a hold, a receiver, no checkpoint yet). */
  blockedBy: string | null;
}

interface PlanRow extends Record<string, unknown> {
  keep_days: number | null;
  cutoff: Date | null;
  start_leaf: string;
  expired_end: string;
  end_leaf: string;
  blocked_by: string | null;
  body: string | null;
}

/**
 * Applies the current workspace's retention policy, inside `withTenant`
 * (the system actor of the maintenance loop or the operator's CLI):
 * `audit.retention_plan` takes the workspace's retention lock and says what
 * may leave; the body it returns is signed here with the checkpoint key, and
 * `audit.apply_retention` plans again under the same lock, refuses a note
 * that does not state exactly that, writes the signed record, deletes the
 * range and records `audit.retention_applied`, all in this transaction. Two
 * runs at once remove once: the second waits for the lock and then finds
 * the range gone. With `dryRun`, plans only and writes nothing.
 */
export async function applyRetention(
  signer: CheckpointSigner,
  bounds: RetentionBounds,
  options: { dryRun?: boolean } = {},
): Promise<RetentionOutcome> {
  const { tenantId, tx } = requireScope('applyRetention');
  const origin = checkpointOrigin(signer.deployment, tenantId);
  const { rows } = await tx.execute<PlanRow>(
    sql`select keep_days, cutoff, start_leaf, expired_end, end_leaf, blocked_by, body
        from audit.retention_plan(${origin}, ${bounds.minDays}, ${bounds.maxDays})`,
  );
  const plan = rows[0] as PlanRow;
  const startLeaf = Number(plan.start_leaf);
  const endLeaf = Number(plan.end_leaf);
  const outcome: RetentionOutcome = {
    tenantId,
    status: 'blocked',
    keepDays: plan.keep_days,
    cutoff: plan.cutoff ? new Date(plan.cutoff) : null,
    startLeaf,
    endLeaf,
    expiredEnd: Number(plan.expired_end),
    eventsRemoved: 0,
    blockedBy: plan.blocked_by,
  };
  if (plan.keep_days === null) return { ...outcome, status: 'no-policy', blockedBy: null };
  if (endLeaf <= startLeaf) {
    return outcome.expiredEnd > startLeaf ? outcome : { ...outcome, status: 'nothing-expired', blockedBy: null };
  }
  if (options.dryRun) return { ...outcome, status: 'would-remove' };
  const note = signNote(signer.key, plan.body ?? '');
  const applied = await tx.execute<{ removed: string }>(
    sql`select audit.apply_retention(${note}, ${bounds.minDays}, ${bounds.maxDays}) as removed`,
  );
  return { ...outcome, status: 'removed', eventsRemoved: Number(applied.rows[0]?.removed ?? 0) };
}
