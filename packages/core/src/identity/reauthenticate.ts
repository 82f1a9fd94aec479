import { logSecurityEvent, shouldBlockLogin } from '@skillhub/db';
import type { DeviceClaim } from '../crypto/device-token.ts';
import { AppError } from '../errors/app-error.ts';
import { recordThrottled } from './sign-in.ts';
import { signInPaused, trustedDeviceOf } from './sign-in-paused.ts';

export interface Reauthentication {
  /** What the user is doing, recorded with a failure (`change_password`, `disable_mfa`). */
  step: string;
  ip: string | null;
  trustedDevice: DeviceClaim | null;
  /** The message of the 403 for a wrong answer. */
  refusal: string;
}

/**
 * Checks a signed-in user's password again before a sensitive change,
 * throttled and recorded exactly like a sign-in: a wrong answer is a
 * login_failed event that counts against the same per-email, per-IP and
 * per-device limits, and while they hold the answer is that sign-in is
 * paused. Returns the error to throw once the transaction has committed
 * (so the failure's record is kept), or null when `check` passed.
 */
export async function reauthenticate(
  user: { tenantId: string; id: string; email: string },
  check: () => Promise<boolean>,
  how: Reauthentication,
): Promise<AppError | null> {
  const device = trustedDeviceOf(how.trustedDevice, user);
  const verdict = await shouldBlockLogin(user.email, how.ip, device);
  if (verdict.blocked) {
    await recordThrottled(verdict, user.email, how.step, device);
    return verdict.reason === 'blocklist'
      ? new AppError('FORBIDDEN', how.refusal)
      : signInPaused(verdict.retryAfterSeconds);
  }
  if (await check()) return null;
  await logSecurityEvent({
    type: 'login_failed',
    severity: 'medium',
    userId: user.id,
    email: user.email,
    details: { reason: 'wrong_password', step: how.step, ...(device && { device }) },
  });
  const after = await shouldBlockLogin(user.email, how.ip, device);
  if (after.blocked && after.reason !== 'blocklist') {
    await logSecurityEvent({
      type: 'suspicious_activity',
      severity: 'high',
      userId: user.id,
      email: user.email,
      details: { reason: 'failure_burst', by: after.reason, failures: after.failures, step: how.step },
    });
  }
  return new AppError('FORBIDDEN', how.refusal);
}
