import { apiKeys } from '@skillhub/db';

export const apiKeyScopes = ['skills:read', 'skills:write', 'usage:write', 'audit:read'] as const;

/** The longest life a key may be given at creation, in days (two years); without one it lasts until revoked. */
export const maxApiKeyDays = 730;

export type ApiKeyScope = (typeof apiKeyScopes)[number];

export const publicKeyColumns = {
  id: apiKeys.id,
  name: apiKeys.name,
  prefix: apiKeys.prefix,
  scopes: apiKeys.scopes,
  createdBy: apiKeys.createdBy,
  lastUsedAt: apiKeys.lastUsedAt,
  revokedAt: apiKeys.revokedAt,
  expiresAt: apiKeys.expiresAt,
  createdAt: apiKeys.createdAt,
};
