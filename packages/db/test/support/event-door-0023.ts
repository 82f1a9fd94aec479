import { type AuditEvent, type SecurityEventInput, sql, type TenantTx } from '../../src/index.ts';

/**
 * An application event through audit.record_event (0023), the door every schema an upgrade test stops at
 * has; recordAuditEvent calls audit.record_tenant_event, which a schema before 0078 lacks.
 */
export const recordEventThrough0023 = (tx: TenantTx, event: AuditEvent) =>
  tx.execute(sql`select audit.record_event(${event.action}, ${event.resourceType ?? null}, ${event.resourceId ?? null},
    ${JSON.stringify(event.metadata ?? {})}::jsonb)`);

/** A security event through platform.log_security_event (0023); logSecurityEvent's door is 0081's. */
export const logSecurityEventThrough0023 = (tx: TenantTx, event: SecurityEventInput) =>
  tx.execute(sql`select platform.log_security_event(${event.type}::public.security_event_type,
    ${event.severity ?? 'info'}::public.security_severity, ${event.userId ?? null}::uuid, ${event.email ?? null},
    ${event.ip ?? null}::inet, ${event.sessionId ?? null}::uuid, ${JSON.stringify(event.details ?? {})}::jsonb)`);
