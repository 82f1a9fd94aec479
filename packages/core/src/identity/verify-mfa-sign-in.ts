import type { Database } from '@skillhub/db';
import {
  eq,
  logSecurityEvent,
  type RequestActor,
  recordAuditEvent,
  shouldBlockLogin,
  userSessions,
  users,
} from '@skillhub/db';
import { sha256Hex } from '../crypto/tokens.ts';
import { AppError } from '../errors/app-error.ts';
import { checkSecondFactor } from './check-second-factor.ts';

/**
 * Completes a sign-in that is waiting for its second factor: a current TOTP
 * code or an unused recovery code turns the pending session into a live one.
 */
export async function verifyMfaSignIn(
  db: Database,
  input: { token: string; code: string; ip: string | null; requestId: string },
): Promise<void> {
  const session = await db.platform.resolveSession(sha256Hex(input.token), {
    actorType: 'system',
    actorId: 'sign-in',
    requestId: input.requestId,
    ip: input.ip,
  });
  if (!session?.mfaPending) throw new AppError('UNAUTHENTICATED', 'Sign in with your password first.');
  const actor: RequestActor = { actorType: 'user', actorId: session.userId, requestId: input.requestId, ip: input.ip };
  const ok = await db.withTenant(session.tenantId, actor, async (tx) => {
    const [user] = await tx.select().from(users).where(eq(users.id, session.userId));
    if (!user?.mfaSecret) return false;
    if ((await shouldBlockLogin(user.email, input.ip)).blocked) {
      await logSecurityEvent({
        type: 'access_blocked',
        severity: 'medium',
        email: user.email,
        details: { reason: 'throttled', step: 'mfa' },
      });
      return false;
    }
    if (!(await checkSecondFactor(tx, user.id, user.mfaSecret, input.code))) {
      await logSecurityEvent({
        type: 'login_failed',
        severity: 'medium',
        email: user.email,
        sessionId: session.sessionId,
        details: { reason: 'wrong_second_factor' },
      });
      return false;
    }
    await tx.update(userSessions).set({ mfaPending: false }).where(eq(userSessions.id, session.sessionId));
    await logSecurityEvent({
      type: 'login_success',
      email: user.email,
      sessionId: session.sessionId,
      details: { mfa: true },
    });
    await recordAuditEvent({ action: 'auth.sign_in', resourceType: 'session', resourceId: session.sessionId });
    return true;
  });
  if (!ok) throw new AppError('UNAUTHENTICATED', 'That code is not valid.');
}
