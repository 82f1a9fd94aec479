import { type ChainBreak, type ChainHead, type Database, recordAuditEvent, verifyTenantAuditChain } from '@skillhub/db';
import type { RequestAuth } from '../auth/request-auth.ts';

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
}

/**
 * Seals what has been committed, recomputes the tenant's hash chain (as the
 * runtime role, seeing only the tenant's events) and records the check as
 * `audit.verified`, with its verdict.
 */
export async function verifyAuditTrail(db: Database, auth: RequestAuth): Promise<AuditTrailStatus> {
  // A transaction left open elsewhere can hold sealing back; its events then count as unsealed.
  await db.sealCommittedAuditEvents(5_000);
  return db.withTenant(auth.tenantId, auth.actor, async () => {
    const verdict = await verifyTenantAuditChain();
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
    return {
      intact: verdict.intact,
      events: verdict.events,
      head: verdict.head,
      unsealed: verdict.unsealed,
      break: verdict.break ?? null,
    };
  });
}
