import {
  and,
  eq,
  logSecurityEvent,
  mfaRecoveryCodes,
  recordAuditEvent,
  sameTenant,
  type TenantTx,
  users,
} from '@skillhub/db';
import type { UserAuth } from '../auth/request-auth.ts';
import type { AppConfig } from '../config/app-config.ts';
import { newRecoveryCodes, sha256Hex } from '../crypto/tokens.ts';
import { verifyTotp } from '../crypto/totp.ts';
import { AppError } from '../errors/app-error.ts';
import { endSessionsOf } from './end-sessions-of.ts';
import { loadUser } from './load-user.ts';
import { openMfaSecret } from './mfa-secret.ts';

/**
 * Step two: a valid code turns MFA on and yields ten one-time recovery
 * codes, shown once. The user's other sessions end: they were opened with
 * the password alone, which is no longer enough.
 */
export async function confirmMfaSetup(
  tx: TenantTx,
  config: AppConfig,
  auth: Pick<UserAuth, 'userId' | 'sessionId'>,
  code: string,
): Promise<{ recoveryCodes: string[] }> {
  const user = await loadUser(tx, auth.userId);
  if (user.mfaEnabled) throw new AppError('CONFLICT', 'Two-factor authentication is already on.');
  if (!user.mfaSecret) throw new AppError('CONFLICT', 'Start two-factor setup first.');
  if (!verifyTotp(openMfaSecret(config.keys.secrets(), user, user.mfaSecret), code))
    throw new AppError('VALIDATION_FAILED', 'That code is not valid; try the current one.');
  await tx
    .update(users)
    .set({ mfaEnabled: true, updatedAt: new Date() })
    .where(and(sameTenant(users.tenantId), eq(users.id, user.id)));
  const recoveryCodes = newRecoveryCodes();
  await tx
    .delete(mfaRecoveryCodes)
    .where(and(sameTenant(mfaRecoveryCodes.tenantId), eq(mfaRecoveryCodes.userId, user.id)));
  await tx.insert(mfaRecoveryCodes).values(recoveryCodes.map((c) => ({ userId: user.id, codeHash: sha256Hex(c) })));
  await logSecurityEvent({ type: 'mfa_enabled', userId: user.id, email: user.email });
  await recordAuditEvent({ action: 'auth.mfa_enabled', resourceType: 'user', resourceId: user.id });
  await endSessionsOf(tx, user.id, 'mfa_enabled', auth.sessionId);
  return { recoveryCodes };
}
