import type { UserRole } from '@skillhub/db';
import type { RequestAuth, UserAuth } from '../auth/request-auth.ts';
import { AppError } from '../errors/app-error.ts';
import { isUser, requireCaller } from './require-caller.ts';

const rank: Record<UserRole, number> = { member: 0, admin: 1, owner: 2 };

/**
 * A user of at least `role`, or 403 carrying a denial that the caller's
 * entry point records (see {@link recordDenial}). An API key calling a
 * user-only action is denied the same way.
 */
export function requireRole(auth: RequestAuth | null, role: UserRole, action: string): UserAuth {
  const caller = requireCaller(auth);
  if (isUser(caller) && rank[caller.role] >= rank[role]) return caller;
  const who = caller.role ? { role: caller.role } : { apiKeyId: caller.apiKeyId };
  throw new AppError(
    'FORBIDDEN',
    caller.role ? `Only a workspace ${role} can ${action}.` : `An API key cannot ${action}; sign in as a ${role}.`,
    { denial: { action, required: role, ...who } },
  );
}
