import { apiKeys, recordAuditEvent, type TenantTx } from '@skillhub/db';
import { newApiKey, sha256Hex } from '../crypto/tokens.ts';
import { type ApiKeyScope, publicKeyColumns } from './api-key-columns.ts';

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
