import type { RequestAuth } from '../auth/request-auth.ts';
import { AppError } from '../errors/app-error.ts';

/** API keys act only within their scopes; users are limited by role instead. A refusal carries its denial. */
export function requireScope(auth: RequestAuth, scope: string): RequestAuth {
  if (auth.apiKeyId === null || auth.scopes.includes(scope)) return auth;
  throw new AppError('FORBIDDEN', `This API key lacks the ${scope} scope.`, {
    denial: { reason: 'missing_scope', scope, apiKeyId: auth.apiKeyId },
  });
}
