import { type AuditEvent, sql, type TenantTx } from '../../src/index.ts';

/**
 * An application event through audit.record_event (0023), the door every schema an upgrade test stops at
 * has; recordAuditEvent calls audit.record_tenant_event, which a schema before 0078 lacks.
 */
export const recordEventThrough0023 = (tx: TenantTx, event: AuditEvent) =>
  tx.execute(sql`select audit.record_event(${event.action}, ${event.resourceType ?? null}, ${event.resourceId ?? null},
    ${JSON.stringify(event.metadata ?? {})}::jsonb)`);
