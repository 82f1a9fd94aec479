import { openSecret, type SecretKeyRing, sealSecret } from '../crypto/secret-box.ts';

/** The row a TOTP secret belongs to: part of what its seal authenticates. */
interface SecretOwner {
  tenantId: string;
  id: string;
}

const context = (user: SecretOwner) => `mfa_secret:${user.tenantId}:${user.id}`;

/** A TOTP secret as it is stored: sealed with the current key, bound to its user. */
export const sealMfaSecret = (ring: SecretKeyRing, user: SecretOwner, secret: string): string =>
  sealSecret(ring, secret, context(user));

/** The TOTP secret stored for `user` (see {@link openSecret}). */
export const openMfaSecret = (ring: SecretKeyRing, user: SecretOwner, stored: string): string =>
  openSecret(ring, stored, context(user));
