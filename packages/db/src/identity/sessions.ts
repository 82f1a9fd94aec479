import { sql } from 'drizzle-orm';
import { requireScope } from './current-tx.ts';

export interface NewSessionInput {
  userId: string;
  tokenHash: string;
  ip: string | null;
  device: { fingerprint?: string | null; userAgent?: string | null; location?: string | null };
  idleTimeoutMinutes: number;
  absoluteTimeoutHours: number;
  mfaPending: boolean;
}

/**
 * create_tenant_session: stores the session and records the sign-in (unless MFA is still pending). The
 * tenant is named so that a Citus cluster runs the whole call on the tenant's node.
 */
export async function createUserSession(input: NewSessionInput): Promise<{ id: string; expiresAt: Date }> {
  const { tx, tenantId } = requireScope('createUserSession');
  const result = await tx.execute<{
    id: string;
    expires_at: string;
  }>(sql`select id, expires_at from create_tenant_session(${tenantId},
    ${input.userId}::uuid, ${input.ip}::inet, ${JSON.stringify(input.device)}::jsonb, ${input.tokenHash},
    make_interval(mins => ${input.idleTimeoutMinutes}), make_interval(hours => ${input.absoluteTimeoutHours}),
    ${input.mfaPending})`);
  const row = result.rows[0];
  if (!row) throw new Error('create_tenant_session returned no row');
  return { id: row.id, expiresAt: new Date(row.expires_at) };
}

/** update_tenant_session_activity: false when the session has ended. */
export async function touchSession(sessionId: string, ip: string | null): Promise<boolean> {
  const { tx, tenantId } = requireScope('touchSession');
  const result = await tx.execute<{ ok: boolean }>(
    sql`select update_tenant_session_activity(${tenantId}, ${sessionId}::uuid, ${ip}::inet) as ok`,
  );
  return result.rows[0]?.ok ?? false;
}

/** terminate_tenant_session: false when it was already over (or belongs to another tenant). */
export async function terminateSession(sessionId: string, reason: string): Promise<boolean> {
  const { tx, tenantId } = requireScope('terminateSession');
  const result = await tx.execute<{ ok: boolean }>(
    sql`select terminate_tenant_session(${tenantId}, ${sessionId}::uuid, ${reason}) as ok`,
  );
  return result.rows[0]?.ok ?? false;
}
