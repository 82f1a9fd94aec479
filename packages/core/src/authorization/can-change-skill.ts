import type { RequestAuth } from '../auth/request-auth.ts';
import { AppError } from '../errors/app-error.ts';

/**
 * Admins and owners may change any skill; members only their own; API keys
 * need skills:write. A refusal carries its denial, recorded after the
 * request's transaction (which holds the skill's row lock) has ended.
 */
export function assertCanChangeSkill(
  auth: RequestAuth,
  skill: { id: string; authorId: string | null },
  action: string,
): void {
  const allowed =
    auth.role === 'admin' ||
    auth.role === 'owner' ||
    (auth.userId !== null && auth.userId === skill.authorId) ||
    (auth.apiKeyId !== null && auth.scopes.includes('skills:write'));
  if (allowed) return;
  throw new AppError('FORBIDDEN', `Only the skill's author or an admin can ${action}.`, {
    denial: { action, resource: 'skill', resourceId: skill.id, role: auth.role },
  });
}
