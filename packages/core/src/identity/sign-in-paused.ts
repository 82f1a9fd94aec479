import type { DeviceClaim } from '../crypto/device-token.ts';
import { AppError } from '../errors/app-error.ts';

/**
 * The answer while the login throttle holds: the same code, text and
 * Retry-After for an existing email and an unknown one (the counters count
 * attempts on an email, not accounts), and for a block by email, IP or device.
 */
export function signInPaused(retryAfterSeconds: number): AppError {
  const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
  const minutes = Math.ceil(seconds / 60);
  return new AppError(
    'THROTTLED',
    `Sign-in is paused after too many failed attempts. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`,
    { retryAfterSeconds: seconds, details: { retryAfterSeconds: seconds } },
  );
}

/** The device id of `claim` when it was issued to exactly this user of this tenant; null otherwise. */
export const trustedDeviceOf = (
  claim: DeviceClaim | null,
  user: { tenantId: string; id: string } | undefined,
): string | null =>
  claim && user && claim.tenantId === user.tenantId && claim.userId === user.id ? claim.deviceId : null;
