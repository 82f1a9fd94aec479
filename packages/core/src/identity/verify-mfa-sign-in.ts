import type { Database, LoginThrottleVerdict } from '@skillhub/db';
import {
  and,
  eq,
  logSecurityEvent,
  type RequestActor,
  recordAuditEvent,
  sameTenant,
  shouldBlockLogin,
  userSessions,
  users,
} from '@skillhub/db';
import type { AppConfig } from '../config/app-config.ts';
import type { DeviceClaim } from '../crypto/device-token.ts';
import { sha256Hex } from '../crypto/tokens.ts';
import { AppError } from '../errors/app-error.ts';
import { checkSecondFactor } from './check-second-factor.ts';
import { openMfaSecret } from './mfa-secret.ts';
import { recordThrottled } from './sign-in.ts';
import { signInPaused, trustedDeviceOf } from './sign-in-paused.ts';

/**
 * Completes a sign-in that is waiting for its second factor: a current TOTP
 * code or an unused recovery code turns the pending session into a live one.
 * Wrong codes count against the login throttle like wrong passwords.
 */
export async function verifyMfaSignIn(
  db: Database,
  config: AppConfig,
  input: { token: string; code: string; ip: string | null; requestId: string; trustedDevice?: DeviceClaim | null },
): Promise<{ tenantId: string; userId: string }> {
  const session = await db.platform.resolveSession(sha256Hex(input.token), {
    actorType: 'system',
    actorId: 'sign-in',
    requestId: input.requestId,
    ip: input.ip,
  });
  if (!session?.mfaPending) throw new AppError('UNAUTHENTICATED', 'Sign in with your password first.');
  const actor: RequestActor = {
    actorType: 'user',
    actorId: session.userId,
    role: session.role,
    requestId: input.requestId,
    ip: input.ip,
  };
  const outcome = await db.withTenant(
    session.tenantId,
    actor,
    async (tx): Promise<'ok' | 'wrong' | LoginThrottleVerdict> => {
      const [user] = await tx
        .select()
        .from(users)
        .where(and(sameTenant(users.tenantId), eq(users.id, session.userId)));
      if (!user?.mfaSecret) return 'wrong';
      const device = trustedDeviceOf(input.trustedDevice ?? null, user);
      const verdict = await shouldBlockLogin(user.email, input.ip, device);
      if (verdict.blocked) {
        await recordThrottled(verdict, user.email, 'mfa', device);
        return verdict;
      }
      const secret = openMfaSecret(config.keys.secrets(), user, user.mfaSecret);
      if (!(await checkSecondFactor(tx, user.id, secret, input.code))) {
        await logSecurityEvent({
          type: 'login_failed',
          severity: 'medium',
          email: user.email,
          sessionId: session.sessionId,
          details: { reason: 'wrong_second_factor', ...(device && { device }) },
        });
        return 'wrong';
      }
      await tx
        .update(userSessions)
        .set({ mfaPending: false })
        .where(and(sameTenant(userSessions.tenantId), eq(userSessions.id, session.sessionId)));
      await logSecurityEvent({
        type: 'login_success',
        email: user.email,
        sessionId: session.sessionId,
        details: { mfa: true },
      });
      await recordAuditEvent({ action: 'auth.sign_in', resourceType: 'session', resourceId: session.sessionId });
      return 'ok';
    },
  );
  if (outcome === 'ok') return { tenantId: session.tenantId, userId: session.userId };
  if (outcome !== 'wrong' && outcome.reason !== 'blocklist') throw signInPaused(outcome.retryAfterSeconds);
  throw new AppError('UNAUTHENTICATED', 'That code is not valid.');
}
