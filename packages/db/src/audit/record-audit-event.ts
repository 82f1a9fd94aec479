import { sql } from 'drizzle-orm';
import { DbError } from '../errors.ts';
import { currentScope } from '../tenant-context/context-store.ts';
import type { AuditEvent } from './audit-actions.ts';

/**
 * Records an application event in the current `withTenant` transaction
 * (through `audit.record_tenant_event`). The caller gives only the action, the
 * resource and metadata: the database fills tenant, actor, request id and
 * IP from the transaction's verified context, and time and transaction id
 * itself, so no caller (nor SQL injected into the transaction) can record
 * an event for another tenant, as another actor, or back-dated. It commits
 * or rolls back with the change it describes; outside a tenant transaction
 * it throws rather than write an event that could outlive (or miss) its
 * change.
 *
 * @example
 * await db.withTenant(tenantId, actor, async (tx) => {
 *   await tx.delete(skills).where(eq(skills.id, id));
 *   await recordAuditEvent({ action: 'skill.deleted', resourceType: 'skill', resourceId: id });
 * });
 */
export async function recordAuditEvent(event: AuditEvent): Promise<void> {
  const scope = currentScope();
  if (!scope) {
    throw new DbError('NO_TENANT_CONTEXT', `audit event ${event.action} must be recorded inside withTenant`);
  }
  // The tenant named, and checked by the door against the context, so that a Citus cluster can send the
  // call to the tenant's node (a statement alone, its tenant a constant).
  await scope.tx.execute(sql`select audit.record_tenant_event(${scope.tenantId}, ${event.action},
    ${event.resourceType ?? null}, ${event.resourceId ?? null}, ${JSON.stringify(event.metadata ?? {})}::jsonb)`);
}
