import { Secret, TOTP } from 'otpauth';

const totpFor = (secret: string, label = 'Skillhub') =>
  new TOTP({ issuer: 'Skillhub', label, algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(secret) });

/** A new RFC 6238 secret (base32) and its otpauth:// URI for authenticator apps. */
export function newTotpSecret(label: string): { secret: string; uri: string } {
  const secret = new Secret({ size: 20 }).base32;
  return { secret, uri: totpFor(secret, label).toString() };
}

/** True when `code` is valid now, allowing one step of clock drift either way. */
export const verifyTotp = (secret: string, code: string): boolean =>
  /^\d{6}$/.test(code) && totpFor(secret).validate({ token: code, window: 1 }) !== null;

/** The current code; used by tests and the demo, never by sign-in. */
export const currentTotp = (secret: string): string => totpFor(secret).generate();
