import { and, eq, sameTenant, type TenantTx, users } from '@skillhub/db';
import type { AppConfig } from '../config/app-config.ts';
import { newTotpSecret } from '../crypto/totp.ts';
import { AppError } from '../errors/app-error.ts';
import { loadUser } from './load-user.ts';
import { sealMfaSecret } from './mfa-secret.ts';

/**
 * Step one of enabling MFA: a new secret, kept unconfirmed until a code
 * proves the app has it. The database holds it sealed (AES-256-GCM with
 * the server's key); the plain secret leaves only in this answer.
 */
export async function beginMfaSetup(tx: TenantTx, config: AppConfig, userId: string) {
  const user = await loadUser(tx, userId);
  if (user.mfaEnabled) throw new AppError('CONFLICT', 'Two-factor authentication is already on.');
  const { secret, uri } = newTotpSecret(user.email);
  await tx
    .update(users)
    .set({ mfaSecret: sealMfaSecret(config.keys.secrets(), user, secret), updatedAt: new Date() })
    .where(and(sameTenant(users.tenantId), eq(users.id, user.id)));
  return { secret, otpauthUri: uri };
}
