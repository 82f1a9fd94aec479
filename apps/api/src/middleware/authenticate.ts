import { AppError, type RequestAuth, sha256Hex } from '@skillhub/core';
import { type RequestActor, recordHostMismatch, touchSession } from '@skillhub/db';
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import type { AppEnv } from '../app-env.ts';
import { clientIp, subdomainOf } from './client-address.ts';

export const sessionCookie = 'skillhub_session';

/**
 * Resolves the caller before anything touches tenant data: an API key
 * (Authorization: Bearer sk_...), else a session cookie. The Host's
 * subdomain must agree with the credential's tenant; a credential of tenant
 * A presented on tenant B's host is refused and recorded in B.
 */
export const authenticate: MiddlewareHandler<AppEnv> = async (c, next) => {
  const { config, db } = c.var;
  c.set('clientIp', clientIp(c, config));
  c.set('hostSlug', subdomainOf(c.req.header('host'), config.baseDomain));
  c.set('auth', null);
  const bearer = c.req.header('authorization')?.match(/^Bearer\s+(\S+)$/i)?.[1];
  if (bearer) {
    const key = await db.platform.resolveApiKey(sha256Hex(bearer));
    if (!key) throw new AppError('UNAUTHENTICATED', 'The API key is not valid or has been revoked.');
    if (!key.tenantActive) throw new AppError('FORBIDDEN', 'This workspace has been deactivated.');
    const actor: RequestActor = {
      actorType: 'api_key',
      actorId: key.keyId,
      role: null,
      requestId: c.var.requestId,
      ip: c.var.clientIp,
    };
    await assertHostMatches(c, key, actor, { apiKeyId: key.keyId });
    c.set('auth', {
      tenantId: key.tenantId,
      tenantSlug: key.tenantSlug,
      actor,
      userId: null,
      role: null,
      sessionId: null,
      apiKeyId: key.keyId,
      scopes: key.scopes,
    });
    return next();
  }
  const token = getCookie(c, sessionCookie);
  if (token) {
    const session = await db.platform.resolveSession(sha256Hex(token));
    if (session && !session.mfaPending && session.userActive && session.tenantActive) {
      const actor: RequestActor = {
        actorType: 'user',
        actorId: session.userId,
        role: session.role,
        requestId: c.var.requestId,
        ip: c.var.clientIp,
      };
      await assertHostMatches(c, session, actor, { userId: session.userId, sessionId: session.sessionId });
      const auth: RequestAuth = {
        tenantId: session.tenantId,
        tenantSlug: session.tenantSlug,
        actor,
        userId: session.userId,
        role: session.role,
        sessionId: session.sessionId,
        apiKeyId: null,
        scopes: ['*'],
      };
      await db.withTenant(auth.tenantId, auth.actor, () => touchSession(session.sessionId, c.var.clientIp));
      c.set('auth', auth);
    }
  }
  return next();
};

/**
 * Refuses a credential on another workspace's host. The attempt is recorded
 * in the workspace the host names, which the database finds from the slug,
 * in a transaction of the credential's own tenant, so that who presented it
 * comes from a verified context.
 */
async function assertHostMatches(
  c: Context<AppEnv>,
  credential: { tenantId: string; tenantSlug: string },
  actor: RequestActor,
  who: Record<string, string>,
) {
  const hostSlug = c.var.hostSlug;
  if (!hostSlug || hostSlug === credential.tenantSlug) return;
  await c.var.db.withTenant(credential.tenantId, actor, () => recordHostMismatch(hostSlug, who));
  throw new AppError('UNAUTHENTICATED', 'Sign in to this workspace to continue.');
}
