import { apiKeys, eq, recordAuditEvent, sql, type TenantTx } from '@skillhub/db';
import { newApiKey, sha256Hex } from '../auth/tokens.ts';
import { AppError } from '../errors/app-error.ts';

export const apiKeyScopes = ['skills:read', 'skills:write', 'usage:write', 'audit:read'] as const;
export type ApiKeyScope = (typeof apiKeyScopes)[number];

const publicKeyColumns = {
  id: apiKeys.id,
  name: apiKeys.name,
  prefix: apiKeys.prefix,
  scopes: apiKeys.scopes,
  createdBy: apiKeys.createdBy,
  lastUsedAt: apiKeys.lastUsedAt,
  revokedAt: apiKeys.revokedAt,
  createdAt: apiKeys.createdAt,
};

/**
 * Creates a key; the returned `key` is the only time the secret exists outside
 * the caller. `createdBy` is the user it is made for, or null when no person
 * made it (the CLI); the audit event names the actor either way.
 */
export async function createApiKey(
  tx: TenantTx,
  input: { name: string; scopes: ApiKeyScope[]; createdBy: string | null },
) {
  const { key, prefix } = newApiKey();
  const [created] = await tx
    .insert(apiKeys)
    .values({ name: input.name, scopes: input.scopes, prefix, keyHash: sha256Hex(key), createdBy: input.createdBy })
    .returning(publicKeyColumns);
  if (!created) throw new Error('insert returned nothing');
  await recordAuditEvent({
    action: 'api_key.created',
    resourceType: 'api_key',
    resourceId: created.id,
    metadata: { name: input.name, scopes: input.scopes },
  });
  return { ...created, key };
}

export const listApiKeys = (tx: TenantTx) => tx.select(publicKeyColumns).from(apiKeys).orderBy(apiKeys.createdAt);

/** Revokes a key of this tenant; revoking twice is a no-op, another tenant's key is not found. */
export async function revokeApiKey(tx: TenantTx, keyId: string) {
  const [key] = await tx.select(publicKeyColumns).from(apiKeys).where(eq(apiKeys.id, keyId));
  if (!key) throw new AppError('NOT_FOUND', 'No such API key.', { probe: { table: 'api_keys', id: keyId } });
  if (key.revokedAt) return key;
  const [revoked] = await tx
    .update(apiKeys)
    .set({ revokedAt: sql`now()` })
    .where(eq(apiKeys.id, keyId))
    .returning(publicKeyColumns);
  await recordAuditEvent({ action: 'api_key.revoked', resourceType: 'api_key', resourceId: keyId });
  return revoked;
}
