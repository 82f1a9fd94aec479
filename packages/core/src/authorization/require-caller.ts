import type { RequestAuth, UserAuth } from '../auth/request-auth.ts';
import { AppError } from '../errors/app-error.ts';

/** The caller's credentials, or 401. */
export function requireCaller(auth: RequestAuth | null): RequestAuth {
  if (!auth) throw new AppError('UNAUTHENTICATED', 'Sign in or present an API key to continue.');
  return auth;
}

/** True for a signed-in user (not an API key). */
export const isUser = (auth: RequestAuth): auth is UserAuth =>
  auth.userId !== null && auth.role !== null && auth.sessionId !== null;

/** A signed-in user (not an API key), or 401, or 403 carrying its denial. */
export function requireUser(auth: RequestAuth | null): UserAuth {
  const caller = requireCaller(auth);
  if (!isUser(caller)) {
    throw new AppError('FORBIDDEN', 'This action needs a signed-in user, not an API key.', {
      denial: { action: 'act as a signed-in user', reason: 'api_key_not_allowed', apiKeyId: caller.apiKeyId },
    });
  }
  return caller;
}
