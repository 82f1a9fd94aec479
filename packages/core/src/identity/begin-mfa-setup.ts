import { eq, type TenantTx, users } from '@skillhub/db';
import { newTotpSecret } from '../crypto/totp.ts';
import { AppError } from '../errors/app-error.ts';
import { loadUser } from './load-user.ts';

/** Step one of enabling MFA: a new secret, kept unconfirmed until a code proves the app has it. */
export async function beginMfaSetup(tx: TenantTx, userId: string) {
  const user = await loadUser(tx, userId);
  if (user.mfaEnabled) throw new AppError('CONFLICT', 'Two-factor authentication is already on.');
  const { secret, uri } = newTotpSecret(user.email);
  await tx.update(users).set({ mfaSecret: secret, updatedAt: new Date() }).where(eq(users.id, user.id));
  return { secret, otpauthUri: uri };
}
