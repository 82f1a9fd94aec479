import { apiKeys, recordAuditEvent, sql, type TenantTx } from '@skillhub/db';
import { newApiKey, sha256Hex } from '../crypto/tokens.ts';
import { AppError } from '../errors/app-error.ts';
import { type ApiKeyScope, maxApiKeyDays, publicKeyColumns } from './api-key-columns.ts';

/**
 * Creates a key; the returned `key` is the only time the secret exists outside
 * the caller. `createdBy` is the user it is made for, or null when no person
 * made it (the CLI); the audit event names the actor either way. With
 * `expiresInDays` the key is refused from that many days on (the database
 * checks it on every resolution); without, it lasts until revoked.
 */
export async function createApiKey(
  tx: TenantTx,
  input: { name: string; scopes: ApiKeyScope[]; createdBy: string | null; expiresInDays?: number | undefined },
) {
  const days = input.expiresInDays;
  if (days !== undefined && !(Number.isInteger(days) && days >= 1 && days <= maxApiKeyDays)) {
    throw new AppError('VALIDATION_FAILED', `A key expires after 1 to ${maxApiKeyDays} whole days.`);
  }
  const { key, prefix } = newApiKey();
  const expiresAt = days === undefined ? null : sql`now() + make_interval(days => ${days})`;
  const [created] = await tx
    .insert(apiKeys)
    .values({
      name: input.name,
      scopes: input.scopes,
      prefix,
      keyHash: sha256Hex(key),
      createdBy: input.createdBy,
      expiresAt,
    })
    .returning(publicKeyColumns);
  if (!created) throw new Error('insert returned nothing');
  await recordAuditEvent({
    action: 'api_key.created',
    resourceType: 'api_key',
    resourceId: created.id,
    metadata: { name: input.name, scopes: input.scopes, expiresAt: created.expiresAt?.toISOString() ?? null },
  });
  return { ...created, key };
}
