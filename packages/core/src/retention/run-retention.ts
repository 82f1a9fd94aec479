import { applyRetention, type Database, databaseReason, type RetentionOutcome, systemActor } from '@skillhub/db';
import { checkpointSigner } from '../audit/audit-checkpoint-view.ts';
import type { AppConfig } from '../config/app-config.ts';

/** The actor retention runs as, in each workspace's chain. */
export const retentionActor = systemActor('retention');

/**
 * Applies retention to each workspace in `tenantIds`, each in a
 * transaction of its own (a failure in one is reported in its outcome's
 * `error` and does not stop the others). Seals and signs checkpoints
 * first, so what expired is covered by a checkpoint when it can be.
 */
export async function runRetention(
  db: Database,
  config: AppConfig,
  tenantIds: readonly string[],
  options: { dryRun?: boolean; actor?: typeof retentionActor } = {},
): Promise<(RetentionOutcome & { error?: string })[]> {
  const signer = checkpointSigner(config);
  await db.sealCommittedAuditEvents(5_000);
  await db.signAuditCheckpoints(signer);
  const bounds = { minDays: config.retention.minDays, maxDays: config.retention.maxDays };
  const outcomes: (RetentionOutcome & { error?: string })[] = [];
  for (const tenantId of tenantIds) {
    try {
      outcomes.push(
        await db.withTenant(tenantId, options.actor ?? retentionActor, () =>
          applyRetention(signer, bounds, { dryRun: options.dryRun }),
        ),
      );
    } catch (error) {
      outcomes.push({
        tenantId,
        status: 'blocked',
        keepDays: null,
        cutoff: null,
        startLeaf: 0,
        endLeaf: 0,
        expiredEnd: 0,
        eventsRemoved: 0,
        blockedBy: null,
        // The database's reason alone: the wrapper's message carries the statement and the signed note.
        error: databaseReason(error),
      });
    }
  }
  return outcomes;
}
