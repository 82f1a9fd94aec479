import type { Database, LedgerMonthState, MonthRetirement } from '@skillhub/db';
import { checkpointSigner } from '../audit/audit-checkpoint-view.ts';
import type { AppConfig } from '../config/app-config.ts';

/**
 * Retires the ledger's months by partition drop, oldest first, while every
 * chain with events in the oldest allows it (migration 0052), each under
 * one signed retention record per chain; stops at the first month that
 * stays and reports why. Seals and signs checkpoints first, so what expired
 * is covered by a checkpoint when it can be. The server's retention loop and
 * `skillhub retention run` call it before the per-workspace door.
 */
export async function retireLedgerMonths(
  db: Database,
  config: AppConfig,
  options: { dryRun?: boolean } = {},
): Promise<MonthRetirement[]> {
  const signer = checkpointSigner(config);
  await db.sealCommittedAuditEvents(5_000);
  await db.signAuditCheckpoints(signer);
  return db.retireLedgerMonths(signer, retentionBounds(config), options);
}

/** Every month partition of the ledger: rows, size, and whether it can leave now or what stops it. */
export function readLedgerMonths(db: Database, config: AppConfig): Promise<LedgerMonthState[]> {
  return db.ledgerMonths(checkpointSigner(config), retentionBounds(config));
}

const retentionBounds = (config: AppConfig) => ({
  minDays: config.retention.minDays,
  maxDays: config.retention.maxDays,
});
