import type { SQL } from 'drizzle-orm';
import { requireScope } from '../identity/current-tx.ts';
import { type ChainQuery, type ChainVerdict, type ChainWindow, countSeals, verifyChain } from './verify-chain.ts';

/**
 * Verifies the current tenant's audit chain inside the enclosing
 * `withTenant` transaction, as the runtime role: the row policies show it
 * the tenant's own events and seals and nothing else, so it can serve a
 * tenant's administrators directly. Same checks and verdict as
 * `verifyAuditChain` for one chain, streamed through COPY.
 *
 * Seal first (`db.sealCommittedAuditEvents()`), or recent events are only
 * counted as unsealed. Under READ COMMITTED a seal written while this runs
 * can only add to the count of unsealed events, never cause a false break:
 * sealing appends in an order no later event can precede.
 *
 * @example
 * await db.sealCommittedAuditEvents();
 * const verdict = await db.withTenant(tenantId, actor, () => verifyTenantAuditChain());
 * if (!verdict.intact) console.log(verdict.break?.detail);
 */
export async function verifyTenantAuditChain(
  window: ChainWindow & { onProgress?: (checked: number, total: number) => void } = {},
): Promise<ChainVerdict> {
  const { tenantId, tx, connection } = requireScope('verifyTenantAuditChain');
  const query: ChainQuery = async <R extends Record<string, unknown>>(statement: SQL) =>
    (await tx.execute(statement)).rows as R[];
  const progress = { checked: 0, total: await countSeals(query, tenantId), onProgress: window.onProgress };
  return verifyChain(query, await connection(), tenantId, window, progress);
}
