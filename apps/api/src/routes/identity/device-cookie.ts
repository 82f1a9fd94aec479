import { type DeviceClaim, deviceTokenDays, issueDeviceToken, readDeviceToken } from '@skillhub/core';
import type { Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import type { AppEnv } from '../../app-env.ts';

/** OWASP's device cookie: proof that this browser signed in as a user before. */
export const deviceCookie = 'skillhub_device';

/** The claim of the browser's device cookie when this server signed it and it has not expired; else null. */
export const readTrustedDevice = <E extends AppEnv>(c: Context<E>): DeviceClaim | null =>
  readDeviceToken(c.get('config').keys.deviceCookie(), getCookie(c, deviceCookie));

/**
 * After a complete sign-in: a new device cookie for this user (HttpOnly, sent
 * only to /auth), which exempts this browser from the per-email sign-in block.
 */
export function setDeviceCookie<E extends AppEnv>(c: Context<E>, tenantId: string, userId: string): void {
  setCookie(c, deviceCookie, issueDeviceToken(c.get('config').keys.deviceCookie(), tenantId, userId), {
    httpOnly: true,
    secure: c.get('config').cookieSecure,
    sameSite: 'Lax',
    path: '/auth',
    maxAge: deviceTokenDays * 86_400,
  });
}
