import { sql } from 'drizzle-orm';
import type { SecurityEventType, SecuritySeverity } from '../schema/identity.ts';
import { requireScope } from './current-tx.ts';

export interface SecurityEventInput {
  type: SecurityEventType;
  severity?: SecuritySeverity;
  userId?: string | null;
  email?: string | null;
  ip?: string | null;
  sessionId?: string | null;
  details?: Record<string, unknown>;
}

/**
 * Records a security event (and its twin in the audit ledger) in the current
 * withTenant transaction, always in its own tenant (the database refuses any
 * tenant but the verified context's), user and IP defaulting to the context's.
 */
export async function logSecurityEvent(event: SecurityEventInput): Promise<string> {
  const { tx, tenantId } = requireScope('logSecurityEvent');
  // The tenant named (the door refuses any but the context's) so that a Citus cluster runs it on its node.
  const result = await tx.execute<{ id: string }>(sql`select platform.log_tenant_security_event(${tenantId},
    ${event.type}::public.security_event_type, ${event.severity ?? 'info'}::public.security_severity,
    ${event.userId ?? null}::uuid, ${event.email ?? null}, ${event.ip ?? null}::inet, ${event.sessionId ?? null}::uuid,
    ${JSON.stringify(event.details ?? {})}::jsonb) as id`);
  return result.rows[0]?.id ?? '';
}

/**
 * The caller, inside withTenant of its own tenant, asked for a row it could
 * not see (platform.record_foreign_probe). If another tenant owns that row,
 * the attempt is recorded there as access_blocked (high), naming the
 * caller's tenant and actor from the verified context: once per credential,
 * target tenant and five minutes, then counted. The database finds the
 * owner itself; the caller names only the row. True when the row was
 * another tenant's.
 */
export async function recordForeignProbe(probe: {
  table: string;
  id: string;
  details?: Record<string, unknown>;
}): Promise<boolean> {
  const { tx } = requireScope('recordForeignProbe');
  const result = await tx.execute<{ foreign: boolean }>(
    sql`select platform.record_foreign_probe(${probe.table}, ${probe.id}::uuid, ${JSON.stringify(probe.details ?? {})}::jsonb) as foreign`,
  );
  return result.rows[0]?.foreign ?? false;
}

/**
 * A credential of the current (verified) tenant was presented on the host of
 * the workspace `targetSlug` names (platform.record_host_mismatch): recorded
 * as access_blocked (high) in that workspace, or in the system chain when no
 * workspace has that slug; aggregated like a probe.
 */
export async function recordHostMismatch(targetSlug: string, details: Record<string, unknown> = {}): Promise<void> {
  const { tx } = requireScope('recordHostMismatch');
  await tx.execute(sql`select platform.record_host_mismatch(${targetSlug}, ${JSON.stringify(details)}::jsonb)`);
}

export interface LoginThrottleVerdict {
  blocked: boolean;
  /** 'email' | 'ip' | 'device' | 'blocklist' | 'allowlisted' | null */
  reason: string | null;
  failures: number;
  retryAfterSeconds: number;
}

/**
 * The login throttle (platform.should_block_login) for the current tenant.
 * `device` is the id of a device cookie the server verified as issued to
 * this email's user: such an attempt is exempt from the per-email block and
 * counted per device instead. Anything else passes null.
 */
export async function shouldBlockLogin(
  email: string,
  ip: string | null,
  device: string | null = null,
): Promise<LoginThrottleVerdict> {
  const { tx } = requireScope('shouldBlockLogin');
  const result = await tx.execute<{ blocked: boolean; reason: string | null; failures: number; retry: number }>(
    sql`select blocked, reason, failures, retry_after_seconds as retry
        from platform.should_block_login(email => ${email}, ip => ${ip}::inet, device => ${device})`,
  );
  const row = result.rows[0];
  return {
    blocked: row?.blocked ?? false,
    reason: row?.reason ?? null,
    failures: row?.failures ?? 0,
    retryAfterSeconds: row?.retry ?? 0,
  };
}

export interface RepeatedSecurityEventInput {
  type: SecurityEventType;
  severity: SecuritySeverity;
  /** Who or what was presented: an actor, a credential, an email. */
  subject: string;
  /** What it was tried on: an action, a route. */
  target: string;
  email?: string | null;
  sessionId?: string | null;
  details?: Record<string, unknown>;
  /** How many of a window become events before the rest are only counted (default 3). */
  firstEvents?: number;
}

/**
 * Records a failure that may repeat, in the current withTenant transaction:
 * identical ones (type, subject, target, IP) within five minutes are
 * counted in security_event_tallies; the first `firstEvents` of a window and
 * the 10th, 100th, ... become security events (public.log_repeated_tenant_security_event, which
 * names the tenant so that a Citus cluster runs it on the tenant's node).
 * Returns the event's id, or null when the failure was only counted.
 */
export async function logRepeatedSecurityEvent(event: RepeatedSecurityEventInput): Promise<string | null> {
  const { tx, tenantId } = requireScope('logRepeatedSecurityEvent');
  const result = await tx.execute<{ id: string | null }>(sql`select public.log_repeated_tenant_security_event(
    ${tenantId}, ${event.type}::public.security_event_type, ${event.severity}::public.security_severity,
    ${event.subject}, ${event.target}, ${JSON.stringify(event.details ?? {})}::jsonb, ${event.email ?? null},
    ${event.sessionId ?? null}::uuid, ${event.firstEvents ?? 3}) as id`);
  return result.rows[0]?.id ?? null;
}
