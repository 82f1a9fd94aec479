import { eq, logSecurityEvent, mfaRecoveryCodes, recordAuditEvent, type TenantTx, users } from '@skillhub/db';
import { newRecoveryCodes, sha256Hex } from '../crypto/tokens.ts';
import { verifyTotp } from '../crypto/totp.ts';
import { AppError } from '../errors/app-error.ts';
import { loadUser } from './load-user.ts';

/** Step two: a valid code turns MFA on and yields ten one-time recovery codes, shown once. */
export async function confirmMfaSetup(
  tx: TenantTx,
  userId: string,
  code: string,
): Promise<{ recoveryCodes: string[] }> {
  const user = await loadUser(tx, userId);
  if (user.mfaEnabled) throw new AppError('CONFLICT', 'Two-factor authentication is already on.');
  if (!user.mfaSecret) throw new AppError('CONFLICT', 'Start two-factor setup first.');
  if (!verifyTotp(user.mfaSecret, code))
    throw new AppError('VALIDATION_FAILED', 'That code is not valid; try the current one.');
  await tx.update(users).set({ mfaEnabled: true, updatedAt: new Date() }).where(eq(users.id, user.id));
  const recoveryCodes = newRecoveryCodes();
  await tx.delete(mfaRecoveryCodes).where(eq(mfaRecoveryCodes.userId, user.id));
  await tx.insert(mfaRecoveryCodes).values(recoveryCodes.map((c) => ({ userId: user.id, codeHash: sha256Hex(c) })));
  await logSecurityEvent({ type: 'mfa_enabled', userId: user.id, email: user.email });
  await recordAuditEvent({ action: 'auth.mfa_enabled', resourceType: 'user', resourceId: user.id });
  return { recoveryCodes };
}
