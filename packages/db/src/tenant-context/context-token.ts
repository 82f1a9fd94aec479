import { createHmac, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { type SQL, sql } from 'drizzle-orm';
import type { RequestActor } from './actor.ts';
import type { ContextKey } from './context-key.ts';

/**
 * A signed tenant context for the transaction that has just begun:
 * `<key id>:<hex HMAC-SHA256>:<JSON payload>`. The payload names the tenant,
 * the actor (type, id, role), the request id and IP, when it was issued (ms)
 * and a nonce. The database accepts it only within seconds of its
 * transaction's start (see migration 0022), so sign it after BEGIN, never
 * ahead of time.
 */
export function signTenantContext(
  key: ContextKey,
  tenantId: string,
  actor: RequestActor,
  issuedAt = Date.now(),
): string {
  const payload = JSON.stringify({
    t: tenantId,
    at: actor.actorType,
    a: actor.actorId ?? null,
    r: actor.role ?? null,
    q: actor.requestId ?? null,
    // The ledger's ip_address is inet: what is not an address is left out rather than fail every statement.
    ip: actor.ip && isIP(actor.ip) !== 0 ? actor.ip : null,
    iat: issuedAt,
    n: randomBytes(12).toString('base64url'),
  });
  const mac = createHmac('sha256', key.secret).update(payload, 'utf8').digest('hex');
  return `${key.id}:${mac}:${payload}`;
}

/**
 * The statement `withTenant` sends after BEGIN, with a context signed now.
 * `app.context` is what the row policies trust (platform.verified_context
 * checks its signature); `app.current_tenant_id` only feeds the tenant_id
 * columns' default, and a default naming another tenant fails WITH CHECK.
 */
export const setTenantContextSql = (key: ContextKey, tenantId: string, actor: RequestActor): SQL =>
  sql`select set_config('app.current_tenant_id', ${tenantId}, true), set_config('app.context', ${signTenantContext(key, tenantId, actor)}, true)`;
