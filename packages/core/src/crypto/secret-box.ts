import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/** AES-256-GCM keys for secrets at rest: `current` seals, every key of `all` (current included) opens. */
export interface SecretKeyRing {
  current: { id: string; key: Buffer };
  all: ReadonlyMap<string, Buffer>;
}

const version = 'v1';
const sealedShape = /^v1\.([0-9a-f]{16})\.([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{22})$/;

/** A key's id: the first 8 bytes of its SHA-256, so the id names the key without revealing it. */
export const secretKeyId = (key: Buffer): string =>
  createHash('sha256').update('skillhub secret key id\0').update(key).digest('hex').slice(0, 16);

/** A key ring whose first key seals; all of them open (older ones stay until re-encryption is done). */
export function secretKeyRing(keys: readonly Buffer[]): SecretKeyRing {
  const [first] = keys;
  if (!first) throw new Error('a secret key ring needs at least one key');
  for (const key of keys) {
    if (key.length !== 32) throw new Error(`secret keys are 32 bytes (AES-256); got ${key.length}`);
  }
  return { current: { id: secretKeyId(first), key: first }, all: new Map(keys.map((key) => [secretKeyId(key), key])) };
}

/**
 * Seals `plaintext` with the ring's current key (AES-256-GCM, a fresh
 * 96-bit IV): `v1.<key id>.<iv>.<ciphertext>.<tag>`, base64url. `context`
 * (e.g. the tenant and user the secret belongs to) is authenticated but not
 * stored: a sealed value copied onto another row does not open there.
 */
export function sealSecret(ring: SecretKeyRing, plaintext: string, context: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', ring.current.key, iv);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const parts = [iv, ciphertext, cipher.getAuthTag()].map((b) => b.toString('base64url'));
  return [version, ring.current.id, ...parts].join('.');
}

/** True when `stored` has the sealed shape (whatever key sealed it). */
export const isSealed = (stored: string): boolean => sealedShape.test(stored);

/** The id of the key that sealed `stored`, or null when it is not sealed. */
export const sealedKeyId = (stored: string): string | null => sealedShape.exec(stored)?.[1] ?? null;

/**
 * Opens a value sealed by {@link sealSecret} under the same `context`.
 * Throws when its key is not in the ring or the value or context was
 * tampered with. A value that is not sealed at all is a secret written
 * before sealing existed: returned as it is, for `skillhub secrets
 * reencrypt` (which every `skillhub serve` runs) to seal.
 */
export function openSecret(ring: SecretKeyRing, stored: string, context: string): string {
  const match = sealedShape.exec(stored);
  if (!match) return stored;
  const [, keyId = '', iv = '', ciphertext = '', tag = ''] = match;
  const key = ring.all.get(keyId);
  if (!key) throw new Error(`secret sealed with key ${keyId}, which is not configured (SKILLHUB_SECRETS_KEY)`);
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(context, 'utf8'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
}
