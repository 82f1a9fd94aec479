import {
  type ChainBreak,
  type ChainHead,
  type Database,
  recordAuditEvent,
  sql,
  verifyTenantAuditChain,
} from '@skillhub/db';
import type { RequestAuth } from '../auth/request-auth.ts';
import type { AppConfig } from '../config/app-config.ts';
import { isoTimestamp } from '../pagination/cursor.ts';
import { retentionKeys } from '../retention/retention-keys.ts';

export interface AuditTrailStatus {
  intact: boolean;
  /** Sealed events verified. */
  events: number;
  /** The chain's last link: keep it to detect later truncation. */
  head: ChainHead | null;
  /** Events not sealed yet (written by transactions still open, or in the last instant). */
  unsealed: number;
  /** The first event that breaks the chain, when it is not intact. */
  break: ChainBreak | null;
  /** Leaves removed by policy, each under the signed retention record named (not a break). */
  removed: { startLeaf: number; endLeaf: number; removedAt: string; record: string }[];
  /** ISO 8601: when this verification was recorded (its `audit.verified` event's time). */
  verifiedAt: string;
}

/**
 * Seals what has been committed, recomputes the tenant's hash chain (as the
 * runtime role, seeing only the tenant's events) and records the check as
 * `audit.verified`, with its verdict: one event per verification, so
 * call it when a person asks, not on every view (see getAuditChainState).
 */
export async function verifyAuditTrail(db: Database, auth: RequestAuth, config: AppConfig): Promise<AuditTrailStatus> {
  // A transaction left open elsewhere can hold sealing back; its events then count as unsealed.
  await db.sealCommittedAuditEvents(5_000);
  return db.withTenant(auth.tenantId, auth.actor, async (tx) => {
    const verdict = await verifyTenantAuditChain({ retentionKeys: retentionKeys(config) });
    await recordAuditEvent({
      action: 'audit.verified',
      resourceType: 'audit_log',
      metadata: {
        intact: verdict.intact,
        events: verdict.events,
        head: verdict.head,
        ...(verdict.break && { break: verdict.break }),
      },
    });
    // The event's created_at: the transaction's start, as now() reads it.
    const { rows } = await tx.execute<{ at: string }>(sql`select ${isoTimestamp(sql.raw('now()'))} as at`);
    return {
      verifiedAt: rows[0]?.at ?? new Date().toISOString(),
      intact: verdict.intact,
      events: verdict.events,
      head: verdict.head,
      unsealed: verdict.unsealed,
      break: verdict.break ?? null,
      removed: verdict.removed.map(({ startLeaf, endLeaf, removedAt, record }) => ({
        startLeaf,
        endLeaf,
        removedAt,
        record,
      })),
    };
  });
}
