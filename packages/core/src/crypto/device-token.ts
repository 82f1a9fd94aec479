import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Who a device token was issued to: a browser that signed in as this user of this workspace. */
export interface DeviceClaim {
  tenantId: string;
  userId: string;
  /** The device's random id, recorded with its failed sign-ins. */
  deviceId: string;
}

/** How long a device stays known without signing in again. */
export const deviceTokenDays = 180;

const version = 'v1';
const mac = (key: Buffer, payload: string) => createHmac('sha256', key).update(payload).digest();

/**
 * A device token (OWASP's device cookie): `v1.<tenant>.<user>.<device id>.<expiry>.<HMAC-SHA256>`,
 * signed with the server's device-cookie key. Issued after each complete sign-in.
 */
export function issueDeviceToken(key: Buffer, tenantId: string, userId: string, now = Date.now()): string {
  const expires = Math.floor(now / 1000) + deviceTokenDays * 86_400;
  const payload = [version, tenantId, userId, randomBytes(16).toString('base64url'), expires].join('.');
  return `${payload}.${mac(key, payload).toString('base64url')}`;
}

/** The claim of a token this server signed and that has not expired, or null (forged, altered, expired, garbage). */
export function readDeviceToken(key: Buffer, token: string | undefined, now = Date.now()): DeviceClaim | null {
  if (!token || token.length > 300) return null;
  const parts = token.split('.');
  if (parts.length !== 6 || parts[0] !== version) return null;
  const [, tenantId = '', userId = '', deviceId = '', expires = '', signature = ''] = parts;
  const expected = mac(key, parts.slice(0, 5).join('.'));
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  if (!/^\d+$/.test(expires) || Number(expires) * 1000 <= now) return null;
  return { tenantId, userId, deviceId };
}
