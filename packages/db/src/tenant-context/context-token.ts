import { createHmac } from 'node:crypto';
import { isIP } from 'node:net';
import pg from 'pg';
import type { RequestActor } from './actor.ts';
import type { ContextKey } from './context-key.ts';

/**
 * The transaction a context is signed for. Either as the database reported it
 * right after BEGIN: the backend's process id and the transaction's start
 * (`now()`) in microseconds since the epoch, as text (migration 0034); or, on
 * a connection to the backend itself that ended its last transaction through
 * withTenant, the ticket that ending drew for the session's next transaction
 * and the server's start in microseconds (migration 0060), known before BEGIN
 * so that BEGIN, the context and the first statement leave together; or, on
 * a Citus coordinator, the distributed transaction every worker connection
 * of it carries: the global pid and the number and stamp Citus assigned it
 * (migration 0069). The database accepts the context in that transaction
 * only, so a copy of it, however obtained, opens nothing anywhere else.
 */
export type TransactionBinding =
  | { pid: number; startedUs: string }
  | { pid: number; ticket: string; bootUs: string }
  | { pid: number; gpid: string; transaction: string; stampUs: string };

/** The query that reports the binding of the transaction it runs in (rows as {@link bindingOf} reads them). */
export const bindingQueryText =
  'select pg_backend_pid() as pid, (extract(epoch from now()) * 1000000)::bigint::text as started_us';

/**
 * BEGIN, and the binding of the transaction it opened, in one round trip
 * (a simple query of two statements; PgBouncer in transaction mode assigns
 * the server connection at BEGIN and keeps it for both).
 */
export const beginBoundText = `begin; ${bindingQueryText}`;
/** {@link beginBoundText} for a transaction that may only read. */
export const beginReadOnlyBoundText = `begin read only; ${bindingQueryText}`;

/** The binding from the rows of {@link beginBoundText}'s second statement. */
export function bindingOf(row: { pid?: unknown; started_us?: unknown } | undefined): TransactionBinding {
  if (typeof row?.pid !== 'number' || typeof row.started_us !== 'string') {
    throw new Error('BEGIN did not report its backend and start time');
  }
  return { pid: row.pid, startedUs: row.started_us };
}

/** The claims that name the transaction: p, and s, or n and b, or g, x and xs (see {@link TransactionBinding}). */
function bindingClaims(binding: TransactionBinding) {
  if ('startedUs' in binding) return { p: String(binding.pid), s: binding.startedUs };
  if ('ticket' in binding) return { p: String(binding.pid), n: binding.ticket, b: binding.bootUs };
  return { p: String(binding.pid), g: binding.gpid, x: binding.transaction, xs: binding.stampUs };
}

/** `<key id>:<hex HMAC-SHA256 of the payload>:<payload>`, the form platform.context_claims verifies. */
function signedContext(key: ContextKey, payload: string): string {
  const mac = createHmac('sha256', key.secret).update(payload, 'utf8').digest('hex');
  return `${key.id}:${mac}:${payload}`;
}

/**
 * A signed tenant context for one transaction:
 * `<key id>:<hex HMAC-SHA256>:<JSON payload>`. The payload names the tenant,
 * the actor (type, id, role, the user it acts for), the request id and IP,
 * the transaction it is bound to (backend pid `p`, and start `s` or ticket
 * `n` and server start `b`) and when it
 * was issued (ms). No nonce: the binding already makes each context unique
 * to one transaction, and a second context for the same transaction opens
 * nothing the first did not.
 */
export function signTenantContext(
  key: ContextKey,
  tenantId: string,
  actor: RequestActor,
  binding: TransactionBinding,
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
    ...bindingClaims(binding),
    iat: issuedAt,
  });
  return signedContext(key, payload);
}

/**
 * The server's own workers that reach cross-tenant doors, each with a
 * context of its own kind (claim `k`): the sink delivery worker (migration
 * 0051: lease, read, settle, prune) and the retention run (0052: plan and
 * retire a month of the ledger).
 */
export type WorkerKind = 'sink-delivery' | 'ledger-retention';

/**
 * A signed context for one of the server's workers: no tenant, claim `k`
 * naming the worker, bound to one transaction like a tenant context. The
 * doors of that worker answer only a transaction that carries one, so SQL
 * injected into a request, which runs under that request's tenant context,
 * cannot reach them.
 */
export function signWorkerContext(
  key: ContextKey,
  kind: WorkerKind,
  binding: TransactionBinding,
  issuedAt = Date.now(),
): string {
  const payload = JSON.stringify({
    t: null,
    k: kind,
    ...bindingClaims(binding),
    iat: issuedAt,
  });
  return signedContext(key, payload);
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
 * The statement that sets the context of the transaction `binding` names.
 * Every value is a bind parameter, never a literal in the text: the runtime
 * role sees its other sessions' statement text in pg_stat_activity, and a
 * context there could be copied (the binding makes a copy useless anyway;
 * this keeps it out of sight as well). `app.context` is what the row
 * policies trust (platform.verified_context checks its signature and
 * binding); `app.current_tenant_id` only feeds the tenant_id columns'
 * default, and a default naming another tenant fails WITH CHECK.
 */
export function tenantContextQuery(
  key: ContextKey,
  tenantId: string,
  actor: RequestActor,
  limits: TransactionLimits,
  binding: TransactionBinding,
): { text: string; values: string[] } {
  return {
    text: setTenantContextText,
    values: [
      tenantId,
      signTenantContext(key, tenantId, actor, binding),
      String(limits.statementTimeoutMs),
      String(limits.idleInTransactionTimeoutMs),
    ],
  };
}

/**
 * The same settings as `SET LOCAL` statements, for a Citus coordinator: Citus
 * carries a transaction's `SET LOCAL`s to its worker connections (with
 * `citus.propagate_set_commands = 'local'`, set first), never a
 * `set_config` call, so on the workers the policies would see no context
 * and every shard would answer nothing. `SET` takes no bind parameters, so
 * the values are literals, escaped by the driver. The statement text would
 * show the context in pg_stat_activity: `platform.prepare_citus_node` keeps
 * the runtime role's statements out of it, and the binding to one
 * distributed transaction leaves a copy useless anyway. Several statements:
 * sent as one simple query, on its own round trip (`alone`).
 */
export function tenantContextSetLocal(
  key: ContextKey,
  tenantId: string,
  actor: RequestActor,
  limits: TransactionLimits,
  binding: TransactionBinding,
): { text: string; values: string[]; alone: true } {
  const settings: [string, string][] = [
    ['citus.propagate_set_commands', 'local'],
    ['app.current_tenant_id', tenantId],
    ['app.context', signTenantContext(key, tenantId, actor, binding)],
    ['statement_timeout', String(limits.statementTimeoutMs)],
    ['idle_in_transaction_session_timeout', String(limits.idleInTransactionTimeoutMs)],
  ];
  return {
    text: settings.map(([name, value]) => `set local ${name} = ${pg.escapeLiteral(value)}`).join('; '),
    values: [],
    alone: true,
  };
}

const setTenantContextText =
  "select set_config('app.current_tenant_id', $1, true), set_config('app.context', $2, true), " +
  "set_config('statement_timeout', $3, true), set_config('idle_in_transaction_session_timeout', $4, true)";
