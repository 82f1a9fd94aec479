import type { RequestAuth } from '../auth/request-auth.ts';
import { AppError } from '../errors/app-error.ts';
import { requireCaller } from './require-caller.ts';
import { requireRole } from './require-role.ts';

/** The API key scope that opens the audit trail and security events to an integration (a SIEM, say). */
export const auditReadScope = 'audit:read';

/** A workspace admin, or an API key holding `audit:read`; anyone else gets 403 carrying its denial. */
export function requireAuditReader(auth: RequestAuth | null, action: string): RequestAuth {
  const caller = requireCaller(auth);
  if (!caller.apiKeyId) return requireRole(caller, 'admin', action);
  if (caller.scopes.includes(auditReadScope)) return caller;
  throw new AppError('FORBIDDEN', `This API key lacks the ${auditReadScope} scope needed to ${action}.`, {
    denial: { action, reason: 'missing_scope', scope: auditReadScope, apiKeyId: caller.apiKeyId },
  });
}
