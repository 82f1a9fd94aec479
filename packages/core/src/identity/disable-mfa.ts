import {
  and,
  type Database,
  eq,
  logSecurityEvent,
  mfaRecoveryCodes,
  recordAuditEvent,
  sameTenant,
  users,
} from '@skillhub/db';
import type { UserAuth } from '../auth/request-auth.ts';
import type { AppConfig } from '../config/app-config.ts';
import type { DeviceClaim } from '../crypto/device-token.ts';
import { verifyPassword } from '../crypto/passwords.ts';
import { AppError } from '../errors/app-error.ts';
import { checkSecondFactor } from './check-second-factor.ts';
import { endSessionsOf } from './end-sessions-of.ts';
import { loadUser } from './load-user.ts';
import { openMfaSecret } from './mfa-secret.ts';
import { reauthenticate } from './reauthenticate.ts';

/**
 * Turns MFA off after re-authentication with the password and a current
 * code (or a recovery code), and ends the user's other sessions: whatever
 * signed in under the second factor must sign in again without it. A wrong
 * password or code is recorded and throttled like a failed sign-in.
 */
export async function disableMfa(
  db: Database,
  config: AppConfig,
  auth: UserAuth,
  input: { password: string; code: string; trustedDevice?: DeviceClaim | null },
): Promise<{ endedSessions: number }> {
  const outcome = await db.withTenant(auth.tenantId, auth.actor, async (tx) => {
    const user = await loadUser(tx, auth.userId);
    const stored = user.mfaSecret;
    if (!user.mfaEnabled || !stored)
      return { refused: new AppError('CONFLICT', 'Two-factor authentication is not on.') };
    const refused = await reauthenticate(
      user,
      async () =>
        (await verifyPassword(user.passwordHash, input.password)) &&
        checkSecondFactor(tx, user.id, openMfaSecret(config.keys.secrets(), user, stored), input.code),
      {
        step: 'disable_mfa',
        ip: auth.actor.ip ?? null,
        trustedDevice: input.trustedDevice ?? null,
        refusal: 'The password or code is not correct.',
      },
    );
    if (refused) return { refused };
    await tx
      .update(users)
      .set({ mfaEnabled: false, mfaSecret: null, updatedAt: new Date() })
      .where(and(sameTenant(users.tenantId), eq(users.id, user.id)));
    await tx
      .delete(mfaRecoveryCodes)
      .where(and(sameTenant(mfaRecoveryCodes.tenantId), eq(mfaRecoveryCodes.userId, user.id)));
    await logSecurityEvent({ type: 'mfa_disabled', severity: 'medium', userId: user.id, email: user.email });
    await recordAuditEvent({ action: 'auth.mfa_disabled', resourceType: 'user', resourceId: user.id });
    return { endedSessions: await endSessionsOf(tx, user.id, 'mfa_disabled', auth.sessionId) };
  });
  if ('refused' in outcome) throw outcome.refused;
  return outcome;
}
