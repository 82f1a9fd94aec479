import { logSecurityEvent, type TenantTx, type UserRole } from '@skillhub/db';
import type { Context } from 'hono';
import type { AppEnv, RequestAuth } from '../app-env.ts';
import { AppError } from '../errors/app-error.ts';

/** The caller's credentials, or 401. */
export function requireAuth(c: Context<AppEnv>): RequestAuth {
  const auth = c.var.auth;
  if (!auth) throw new AppError('UNAUTHENTICATED', 'Sign in or present an API key to continue.');
  return auth;
}

/** A signed-in user (not an API key), or 401. */
export function requireUser(c: Context<AppEnv>): RequestAuth & { userId: string; role: UserRole; sessionId: string } {
  const auth = requireAuth(c);
  if (!auth.userId || !auth.role || !auth.sessionId) {
    throw new AppError('FORBIDDEN', 'This action needs a signed-in user, not an API key.');
  }
  return auth as RequestAuth & { userId: string; role: UserRole; sessionId: string };
}

const rank: Record<UserRole, number> = { member: 0, admin: 1, owner: 2 };

/**
 * A user of at least `role`, or 403, recorded as permission_denied (in its
 * own transaction, so the record stays although the request fails). An API
 * key calling a user-only action is denied and recorded the same way.
 */
export async function requireRole(c: Context<AppEnv>, role: UserRole, action: string) {
  const auth = requireAuth(c);
  if (auth.userId && auth.role && auth.sessionId && rank[auth.role] >= rank[role]) {
    return auth as RequestAuth & { userId: string; role: UserRole; sessionId: string };
  }
  const caller = auth.role ? { role: auth.role } : { apiKeyId: auth.apiKeyId };
  await c.var.db.withTenant(auth.tenantId, auth.actor, () =>
    logSecurityEvent({
      type: 'permission_denied',
      severity: 'medium',
      sessionId: auth.sessionId,
      details: { action, required: role, ...caller, path: c.req.path },
    }),
  );
  throw new AppError(
    'FORBIDDEN',
    auth.role ? `Only a workspace ${role} can ${action}.` : `An API key cannot ${action}; sign in as a ${role}.`,
  );
}

/** Runs `fn` in the caller's tenant transaction. */
export const inTenant = <T>(c: Context<AppEnv>, auth: RequestAuth, fn: (tx: TenantTx) => Promise<T>): Promise<T> =>
  c.var.db.withTenant(auth.tenantId, auth.actor, fn);
