import { type Database, logSecurityEvent } from '@skillhub/db';
import type { RequestAuth } from '../app-env.ts';
import { AppError } from '../errors/app-error.ts';

/**
 * Admins and owners may change any skill; members only their own; API keys
 * need skills:write. A refusal is recorded in a transaction of its own, so
 * the record outlives the request's rolled-back transaction.
 */
export async function assertCanChangeSkill(
  db: Database,
  auth: RequestAuth,
  skill: { id: string; authorId: string | null },
  action: string,
) {
  const allowed =
    auth.role === 'admin' ||
    auth.role === 'owner' ||
    (auth.userId !== null && auth.userId === skill.authorId) ||
    (auth.apiKeyId !== null && auth.scopes.includes('skills:write'));
  if (allowed) return;
  await db.withTenantIndependently(auth.tenantId, auth.actor, () =>
    logSecurityEvent({
      type: 'permission_denied',
      severity: 'medium',
      details: { action, resource: 'skill', resourceId: skill.id, role: auth.role },
    }),
  );
  throw new AppError('FORBIDDEN', `Only the skill's author or an admin can ${action}.`);
}

/** API keys act only within their scopes; users are limited by role instead. */
export async function assertScope(db: Database, auth: RequestAuth, scope: string) {
  if (auth.apiKeyId === null || auth.scopes.includes(scope)) return;
  await db.withTenantIndependently(auth.tenantId, auth.actor, () =>
    logSecurityEvent({ type: 'permission_denied', severity: 'medium', details: { reason: 'missing_scope', scope } }),
  );
  throw new AppError('FORBIDDEN', `This API key lacks the ${scope} scope.`);
}
