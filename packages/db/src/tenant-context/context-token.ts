import { createHmac, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { type SQL, sql } from 'drizzle-orm';
import type { RequestActor } from './actor.ts';
import type { ContextKey } from './context-key.ts';

/**
 * A signed tenant context for the transaction that has just begun:
 * `<key id>:<hex HMAC-SHA256>:<JSON payload>`. The payload names the tenant,
 * the actor (type, id, role, the user it acts for), the request id and IP, when it was issued (ms)
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
    // Whose private skills the actor reads (platform.private_skill_reader).
    u: actor.actorType === 'user' ? (actor.actorId ?? null) : (actor.onBehalfOf ?? null),
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
 * Bounds on one tenant transaction, set with the context (same round trip,
 * transaction-local, so they pass through PgBouncer in transaction mode,
 * which refuses them as startup parameters): a statement that runs too long
 * is cancelled, and a transaction left idle (a request stuck between two
 * statements) is ended by the server, releasing its connection and locks.
 */
export interface TransactionLimits {
  statementTimeoutMs: number;
  idleInTransactionTimeoutMs: number;
}

/** 30 s per statement; 2 min idle (an audit export may wait a minute for a slow reader between chunks). */
export const defaultTransactionLimits: TransactionLimits = {
  statementTimeoutMs: 30_000,
  idleInTransactionTimeoutMs: 120_000,
};

/**
 * The statement that sets a context signed now, as parameters (for raw
 * clients in benchmarks). `app.context` is what the row policies trust
 * (platform.verified_context checks its signature); `app.current_tenant_id`
 * only feeds the tenant_id columns' default, and a default naming another
 * tenant fails WITH CHECK.
 */
export const setTenantContextSql = (
  key: ContextKey,
  tenantId: string,
  actor: RequestActor,
  limits: TransactionLimits,
): SQL =>
  sql`select set_config('app.current_tenant_id', ${tenantId}, true), set_config('app.context', ${signTenantContext(key, tenantId, actor)}, true),
    set_config('statement_timeout', ${String(limits.statementTimeoutMs)}, true),
    set_config('idle_in_transaction_session_timeout', ${String(limits.idleInTransactionTimeoutMs)}, true)`;

/**
 * The statement of {@link setTenantContextSql} as simple-query text, every
 * value a literal quoted by `quote` (node-postgres' `escapeLiteral`, which
 * doubles quotes and backslashes and marks the latter E''), never spliced
 * in raw: the tenant id is checked against its pattern before this is
 * called, and the signed context is JSON whose strings come from the
 * request. Text rather than parameters: a simple query skips the extended
 * protocol's parse, bind and describe messages.
 */
export const contextText = (
  key: ContextKey,
  tenantId: string,
  actor: RequestActor,
  limits: TransactionLimits,
  quote: (value: string) => string,
): string =>
  `select set_config('app.current_tenant_id', ${quote(tenantId)}, true), ` +
  `set_config('app.context', ${quote(signTenantContext(key, tenantId, actor))}, true), ` +
  `set_config('statement_timeout', ${quote(String(limits.statementTimeoutMs))}, true), ` +
  `set_config('idle_in_transaction_session_timeout', ${quote(String(limits.idleInTransactionTimeoutMs))}, true)`;
