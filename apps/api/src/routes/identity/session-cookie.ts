import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { AppEnv } from '../../app-env.ts';
import { sessionCookie } from '../../middleware/authenticate.ts';

/** Hands the new session's token to the browser; it never appears in a response body. */
export function setSessionCookie(c: Context<AppEnv>, token: string, expiresAt: Date): void {
  setCookie(c, sessionCookie, token, {
    httpOnly: true,
    secure: c.get('config').cookieSecure,
    sameSite: 'Lax',
    path: '/',
    expires: expiresAt,
  });
}

/** The session token the browser sent, if any. */
export const readSessionCookie = (c: Context): string | undefined => getCookie(c, sessionCookie);

/** Ends the browser's copy of the session. */
export const clearSessionCookie = (c: Context): void => {
  deleteCookie(c, sessionCookie, { path: '/' });
};
