import { AppError, type RequestAuth, sha256Hex } from '@skillhub/core';
import { type RequestActor, touchSession } from '@skillhub/db';
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
  // Who asks while the credential is being resolved: this request, not yet anyone.
  const gate: RequestActor = {
    actorType: 'system',
    actorId: 'authenticate',
    requestId: c.var.requestId,
    ip: c.var.clientIp,
  };
  const bearer = c.req.header('authorization')?.match(/^Bearer\s+(\S+)$/i)?.[1];
  if (bearer) {
    const key = await db.platform.resolveApiKey(sha256Hex(bearer), gate);
    if (!key) throw new AppError('UNAUTHENTICATED', 'The API key is not valid or has been revoked.');
    if (!key.tenantActive) throw new AppError('FORBIDDEN', 'This workspace has been deactivated.');
    await assertHostMatches(c, key.tenantSlug, { apiKeyId: key.keyId }, gate);
    c.set('auth', {
      tenantId: key.tenantId,
      tenantSlug: key.tenantSlug,
      actor: { actorType: 'api_key', actorId: key.keyId, requestId: c.var.requestId, ip: c.var.clientIp },
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
    const session = await db.platform.resolveSession(sha256Hex(token), gate);
    if (session && !session.mfaPending && session.userActive && session.tenantActive) {
      await assertHostMatches(c, session.tenantSlug, { userId: session.userId, sessionId: session.sessionId }, gate);
      const auth: RequestAuth = {
        tenantId: session.tenantId,
        tenantSlug: session.tenantSlug,
        actor: { actorType: 'user', actorId: session.userId, requestId: c.var.requestId, ip: c.var.clientIp },
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

async function assertHostMatches(
  c: Context<AppEnv>,
  credentialSlug: string,
  who: Record<string, string>,
  actor: RequestActor,
) {
  const hostSlug = c.var.hostSlug;
  if (!hostSlug || hostSlug === credentialSlug) return;
  const target = await c.var.db.platform.findTenantBySlug(hostSlug, actor);
  await c.var.db.platform.logSecurityEvent(
    {
      type: 'access_blocked',
      severity: 'high',
      tenantId: target?.id ?? null,
      ip: c.var.clientIp,
      details: {
        reason: 'credential_of_another_tenant',
        credentialTenant: credentialSlug,
        targetTenant: hostSlug,
        ...who,
      },
    },
    actor,
  );
  throw new AppError('UNAUTHENTICATED', 'Sign in to this workspace to continue.');
}
