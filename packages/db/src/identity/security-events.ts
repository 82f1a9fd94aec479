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
 * withTenant transaction, always in its own tenant: the database takes the
 * tenant from the verified context, and user and IP default to the context's.
 */
export async function logSecurityEvent(event: SecurityEventInput): Promise<string> {
  const { tx } = requireScope('logSecurityEvent');
  const result = await tx.execute<{ id: string }>(sql`select platform.log_security_event(
    ${event.type}::public.security_event_type, ${event.severity ?? 'info'}::public.security_severity,
    ${event.userId ?? null}::uuid, ${event.email ?? null}, ${event.ip ?? null}::inet, ${event.sessionId ?? null}::uuid,
    ${JSON.stringify(event.details ?? {})}::jsonb) as id`);
  return result.rows[0]?.id ?? '';
}

/**
 * The caller, inside withTenant of its own tenant, asked for a row it could
 * not see. If another tenant owns that row, the attempt is recorded there as
 * access_blocked (high), naming the caller's tenant and actor from the
 * verified context. The database finds the owner itself; the caller names
 * only the row, and learns nothing back.
 */
export async function recordForeignProbe(probe: {
  table: string;
  id: string;
  details?: Record<string, unknown>;
}): Promise<void> {
  const { tx } = requireScope('recordForeignProbe');
  await tx.execute(
    sql`select platform.record_foreign_probe(${probe.table}, ${probe.id}::uuid, ${JSON.stringify(probe.details ?? {})}::jsonb)`,
  );
}

/**
 * A credential of the current (verified) tenant was presented on the host of
 * the workspace `targetSlug` names: recorded as access_blocked (high) in
 * that workspace, or in the system chain when no workspace has that slug.
 */
export async function recordHostMismatch(targetSlug: string, details: Record<string, unknown> = {}): Promise<void> {
  const { tx } = requireScope('recordHostMismatch');
  await tx.execute(sql`select platform.record_host_mismatch(${targetSlug}, ${JSON.stringify(details)}::jsonb)`);
}

export interface LoginThrottleVerdict {
  blocked: boolean;
  /** 'email' | 'ip' | 'blocklist' | 'allowlisted' | null */
  reason: string | null;
  failures: number;
  retryAfterSeconds: number;
}

/** The login throttle (platform.should_block_login) for the current tenant. */
export async function shouldBlockLogin(email: string, ip: string | null): Promise<LoginThrottleVerdict> {
  const { tx } = requireScope('shouldBlockLogin');
  const result = await tx.execute<{ blocked: boolean; reason: string | null; failures: number; retry: number }>(
    sql`select blocked, reason, failures, retry_after_seconds as retry from platform.should_block_login(${email}, ${ip}::inet)`,
  );
  const row = result.rows[0];
  return {
    blocked: row?.blocked ?? false,
    reason: row?.reason ?? null,
    failures: row?.failures ?? 0,
    retryAfterSeconds: row?.retry ?? 0,
  };
}
