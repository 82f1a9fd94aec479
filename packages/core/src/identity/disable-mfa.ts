import { eq, logSecurityEvent, mfaRecoveryCodes, recordAuditEvent, type TenantTx, users } from '@skillhub/db';
import { verifyPassword } from '../crypto/passwords.ts';
import { AppError } from '../errors/app-error.ts';
import { checkSecondFactor } from './check-second-factor.ts';
import { loadUser } from './load-user.ts';

/** Turns MFA off after re-authentication with the password and a current code (or a recovery code). */
export async function disableMfa(tx: TenantTx, userId: string, password: string, code: string): Promise<void> {
  const user = await loadUser(tx, userId);
  if (!user.mfaEnabled || !user.mfaSecret) throw new AppError('CONFLICT', 'Two-factor authentication is not on.');
  const passwordOk = await verifyPassword(user.passwordHash, password);
  if (!passwordOk || !(await checkSecondFactor(tx, user.id, user.mfaSecret, code))) {
    throw new AppError('FORBIDDEN', 'The password or code is not correct.');
  }
  await tx
    .update(users)
    .set({ mfaEnabled: false, mfaSecret: null, updatedAt: new Date() })
    .where(eq(users.id, user.id));
  await tx.delete(mfaRecoveryCodes).where(eq(mfaRecoveryCodes.userId, user.id));
  await logSecurityEvent({ type: 'mfa_disabled', severity: 'medium', userId: user.id, email: user.email });
  await recordAuditEvent({ action: 'auth.mfa_disabled', resourceType: 'user', resourceId: user.id });
}
