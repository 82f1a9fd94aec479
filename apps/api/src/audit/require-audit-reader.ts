import { logSecurityEvent } from '@skillhub/db';
import type { Context } from 'hono';
import type { AppEnv, RequestAuth } from '../app-env.ts';
import { AppError } from '../errors/app-error.ts';
import { requireAuth, requireRole } from '../middleware/guards.ts';

/** The API key scope that opens the audit trail and security events to an integration (a SIEM, say). */
export const auditReadScope = 'audit:read';

/**
 * A workspace admin, or an API key holding `audit:read`; anyone else gets
 * 403 and leaves a permission_denied security event (in its own
 * transaction, so it stays although the request fails).
 */
export async function requireAuditReader(c: Context<AppEnv>, action: string): Promise<RequestAuth> {
  const auth = requireAuth(c);
  if (!auth.apiKeyId) return requireRole(c, 'admin', action);
  if (auth.scopes.includes(auditReadScope)) return auth;
  await c.var.db.withTenant(auth.tenantId, auth.actor, () =>
    logSecurityEvent({
      type: 'permission_denied',
      severity: 'medium',
      details: { action, reason: 'missing_scope', scope: auditReadScope, apiKeyId: auth.apiKeyId, path: c.req.path },
    }),
  );
  throw new AppError('FORBIDDEN', `This API key lacks the ${auditReadScope} scope needed to ${action}.`);
}
