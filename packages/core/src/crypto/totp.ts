import { Secret, TOTP } from 'otpauth';

const totpFor = (secret: string, label = 'Skillhub') =>
  new TOTP({ issuer: 'Skillhub', label, algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(secret) });

/** A new RFC 6238 secret (base32) and its otpauth:// URI for authenticator apps. */
export function newTotpSecret(label: string): { secret: string; uri: string } {
  const secret = new Secret({ size: 20 }).base32;
  return { secret, uri: totpFor(secret, label).toString() };
}

/**
 * The time step (30-second period since the epoch) that `code` belongs to,
 * allowing one step of clock drift either way, or null when it is not valid now.
 */
export function totpStep(secret: string, code: string, at = Date.now()): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const delta = totpFor(secret).validate({ token: code, window: 1, timestamp: at });
  return delta === null ? null : Math.floor(at / 30_000) + delta;
}

/** True when `code` is valid now (see {@link totpStep}). */
export const verifyTotp = (secret: string, code: string): boolean => totpStep(secret, code) !== null;

/** The code for `at` (now by default); used by tests and the demo, never by sign-in. */
export const currentTotp = (secret: string, at = Date.now()): string => totpFor(secret).generate({ timestamp: at });
