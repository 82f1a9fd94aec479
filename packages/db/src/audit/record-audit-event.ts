import { sql } from 'drizzle-orm';
import { DbError } from '../errors.ts';
import { currentScope } from '../tenant-context/context-store.ts';
import type { AuditEvent } from './audit-actions.ts';

/**
 * Records an application event in the current `withTenant` transaction, with
 * its tenant, actor, request id and IP. It commits or rolls back with the
 * change it describes; outside a tenant transaction it throws rather than
 * write an event that could outlive (or miss) its change.
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
  const { actor, tenantId, tx } = scope;
  await tx.execute(sql`insert into audit_logs
    (tenant_id, actor_type, actor_id, action, resource_type, resource_id, ip_address, request_id, metadata)
    values (${tenantId}, ${actor.actorType}, ${actor.actorId}, ${event.action}, ${event.resourceType ?? null},
            ${event.resourceId ?? null}, ${actor.ip ?? null}, ${actor.requestId ?? null},
            ${JSON.stringify(event.metadata ?? {})}::jsonb)`);
}
