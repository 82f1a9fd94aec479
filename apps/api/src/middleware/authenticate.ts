import { AppError, type RequestAuth, recordCredentialOnForeignHost, sha256Hex } from '@skillhub/core';
import { type RequestActor, touchSession } from '@skillhub/db';
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import type { AppEnv } from '../app-env.ts';
import { subdomainOf } from './client-address.ts';

export const sessionCookie = 'skillhub_session';

/** The `<prefix>` of `sk_<prefix>_<secret>`, which listings show; never any of the secret. */
const apiKeyPrefix = (presented: string): string | null => /^sk_([0-9a-f]{12})_/.exec(presented)?.[1] ?? null;

/**
 * Resolves the caller before anything touches tenant data: an API key
 * (Authorization: Bearer sk_...), else a session cookie. The Host's
 * subdomain must agree with the credential's tenant; a credential of tenant
 * A presented on tenant B's host is refused and recorded in B.
 *
 * Credentials are served from the database handle's cache
 * (`db.credentials`), which the database invalidates on every change that
 * could end one; a session's activity is written behind.
 *
 * Every refused credential is recorded (bad, revoked or deactivated API
 * keys; unknown, ended or deactivated sessions) in the workspace it names,
 * which the database finds from the credential itself, or as a system
 * event; repeats are counted rather than recorded one by one. The records
 * are written after the answer has gone out.
 */
export const authenticate: MiddlewareHandler<AppEnv> = async (c, next) => {
  const { config, db, records, requestId, clientIp } = c.var;
  c.set('hostSlug', subdomainOf(c.req.header('host'), config.baseDomain));
  c.set('auth', null);
  // Who asks while the credential is being resolved: this request, not yet anyone.
  const gate: RequestActor = {
    actorType: 'system',
    actorId: 'authenticate',
    requestId,
    ip: clientIp,
  };
  const bearer = c.req.header('authorization')?.match(/^Bearer\s+(\S+)$/i)?.[1];
  if (bearer) {
    const keyHash = sha256Hex(bearer);
    const key = await db.credentials.resolveApiKey(keyHash, gate);
    if (!key?.tenantActive) {
      const prefix = apiKeyPrefix(bearer);
      records.later('a refused API key', requestId, () =>
        db.platform.recordApiKeyRejection({ keyHash, prefix, ip: clientIp, requestId }),
      );
      if (!key) throw new AppError('UNAUTHENTICATED', 'The API key is not valid or has been revoked.');
      throw new AppError('FORBIDDEN', 'This workspace has been deactivated.');
    }
    // A key acts for the user who created it: the database shows it that user's private skills, no others.
    const actor: RequestActor = {
      actorType: 'api_key',
      actorId: key.keyId,
      role: null,
      onBehalfOf: key.createdBy,
      requestId,
      ip: clientIp,
    };
    assertHostMatches(c, { tenantId: key.tenantId, slug: key.tenantSlug, actor, who: { apiKeyId: key.keyId } });
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
    const tokenHash = sha256Hex(token);
    const session = await db.credentials.resolveSession(tokenHash, gate);
    if (session && !session.mfaPending && session.userActive && session.tenantActive) {
      const actor: RequestActor = {
        actorType: 'user',
        actorId: session.userId,
        role: session.role,
        requestId,
        ip: clientIp,
      };
      assertHostMatches(c, {
        tenantId: session.tenantId,
        slug: session.tenantSlug,
        actor,
        who: { userId: session.userId, sessionId: session.sessionId },
      });
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
      // A new address is recorded now (update_session_activity: suspicious_activity); plain
      // activity is written behind, in batches, so a read stays a read.
      if (clientIp && clientIp !== session.lastIp) {
        await db.withTenant(auth.tenantId, auth.actor, () => touchSession(session.sessionId, clientIp));
      }
      db.credentials.sessionUsed(tokenHash, clientIp);
      c.set('auth', auth);
    } else if (!session?.mfaPending) {
      // A session waiting for its second factor is not refused, only not yet signed in.
      records.later('a refused session', requestId, () =>
        db.platform.recordSessionRejection({ tokenHash, ip: clientIp, requestId }),
      );
    }
  }
  return next();
};

function assertHostMatches(
  c: Context<AppEnv>,
  credential: { tenantId: string; slug: string; actor: RequestActor; who: Record<string, string> },
): void {
  const hostSlug = c.get('hostSlug');
  if (!hostSlug || hostSlug === credential.slug) return;
  const origin = { method: c.req.method, path: c.req.path };
  c.get('records').later('a credential on another workspace', c.get('requestId'), () =>
    recordCredentialOnForeignHost(c.get('db'), credential, hostSlug, origin),
  );
  throw new AppError('UNAUTHENTICATED', 'Sign in to this workspace to continue.');
}
