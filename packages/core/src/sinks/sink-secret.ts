import { randomBytes } from 'node:crypto';
import { openSecret, type SecretKeyRing, sealSecret } from '../crypto/secret-box.ts';

/** The sink a secret belongs to: part of what its seal authenticates, so a sealed secret copied onto another sink does not open. */
interface SecretOwner {
  tenantId: string;
  id: string;
}

const context = (sink: SecretOwner) => `audit_sink:${sink.tenantId}:${sink.id}`;

/** A fresh Standard Webhooks signing secret: `whsec_` and 32 random bytes in base64. */
export const newSigningSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`;

/** A signing secret as it is stored: sealed with the current key (AES-256-GCM), bound to its sink. */
export const sealSigningSecret = (ring: SecretKeyRing, sink: SecretOwner, secret: string): string =>
  sealSecret(ring, secret, context(sink));

/** The signing secret stored for `sink`. */
export const openSigningSecret = (ring: SecretKeyRing, sink: SecretOwner, stored: string): string =>
  openSecret(ring, stored, context(sink));
