import { and, apiKeys, eq, recordAuditEvent, sameTenant, sql, type TenantTx } from '@skillhub/db';
import { AppError } from '../errors/app-error.ts';
import { publicKeyColumns } from './api-key-columns.ts';

/** Revokes a key of this tenant; revoking twice is a no-op, another tenant's key is not found. */
export async function revokeApiKey(tx: TenantTx, keyId: string) {
  const [key] = await tx
    .select(publicKeyColumns)
    .from(apiKeys)
    .where(and(sameTenant(apiKeys.tenantId), eq(apiKeys.id, keyId)));
  if (!key) throw new AppError('NOT_FOUND', 'No such API key.', { probe: { table: 'api_keys', id: keyId } });
  if (key.revokedAt) return key;
  const [revoked] = await tx
    .update(apiKeys)
    .set({ revokedAt: sql`now()` })
    .where(and(sameTenant(apiKeys.tenantId), eq(apiKeys.id, keyId)))
    .returning(publicKeyColumns);
  await recordAuditEvent({ action: 'api_key.revoked', resourceType: 'api_key', resourceId: keyId });
  return revoked;
}
