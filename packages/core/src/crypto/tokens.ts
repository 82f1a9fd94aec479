import { createHash, randomBytes } from 'node:crypto';

/** SHA-256 hex: how session tokens, API keys and recovery codes are stored. */
export const sha256Hex = (value: string): string => createHash('sha256').update(value).digest('hex');

/** A session token: 32 random bytes, base64url. Only its SHA-256 is stored. */
export const newSessionToken = (): string => randomBytes(32).toString('base64url');

/** An API key `sk_<prefix>_<secret>`: the prefix is shown in listings, the whole key only once. */
export function newApiKey(): { key: string; prefix: string } {
  const prefix = randomBytes(6).toString('hex');
  return { key: `sk_${prefix}_${randomBytes(32).toString('base64url')}`, prefix };
}

/** Ten one-time recovery codes like `k3f9-a1b2-c3d4`. */
export const newRecoveryCodes = (): string[] =>
  Array.from({ length: 10 }, () => randomBytes(6).toString('hex').match(/.{4}/g)?.join('-') ?? '');
