import type { ApiKeyScope } from '@skillhub/core';

/**
 * Who may call a route, declared beside the check that enforces it (`guard`)
 * and published in the OpenAPI document: `security` lists the session
 * cookie, and the bearer API key with the one scope a key needs (`'any'`:
 * every key); `x-skillhub-access` names the least role. Every route that is
 * not public declares one, or the app refuses to build (`defineRoute`).
 */
export interface RouteAccess {
  /** The least workspace role of a signed-in user. */
  role: 'member' | 'admin';
  /** The scope an API key needs; null when no key may call the route. */
  apiKeyScope: ApiKeyScope | 'any' | null;
}

/** Signed-in users only, of any role. */
export const usersOnly: RouteAccess = { role: 'member', apiKeyScope: null };

/** Signed-in admins and owners only. */
export const adminsOnly: RouteAccess = { role: 'admin', apiKeyScope: null };

/** Any signed-in user, or an API key holding `scope`. */
export const usersOrKeysWith = (scope: ApiKeyScope | 'any'): RouteAccess => ({ role: 'member', apiKeyScope: scope });

/** The OpenAPI `security` requirements for `access`. */
export const securityOf = (access: RouteAccess) => [
  { session: [] },
  ...(access.apiKeyScope === null ? [] : [{ apiKey: access.apiKeyScope === 'any' ? [] : [access.apiKeyScope] }]),
];
