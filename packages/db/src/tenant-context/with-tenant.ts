import { NodePgTransaction } from 'drizzle-orm/node-postgres';
import type pg from 'pg';
import { DbError } from '../errors.ts';
import type { RequestActor } from './actor.ts';
import type { ContextKey } from './context-key.ts';
import { currentScope, runInScope, type TenantTx } from './context-store.ts';
import { beginBoundText, bindingOf, type TransactionLimits, tenantContextQuery } from './context-token.ts';
import type { DrizzleParts } from './drizzle-parts.ts';

const tenantIdPattern = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * COMMIT, with the read of the mark migration 0027's trigger sets when the transaction changed a
 * credential of its tenant, and RESET ALL after it: a session-level SET that SQL inside `fn` left
 * behind (of app.context, search_path, statement_timeout, ...) would otherwise outlive the request on
 * this pooled connection and reach the next one. Same round trip.
 */
const commitText = "select current_setting('app.credentials_changed', true) as changed; commit; reset all";

/** The process id the server announced at connect (BackendKeyData); a pooler announces one of its own. */
const backendPid = (client: pg.PoolClient): number | undefined => (client as { processID?: number }).processID;

export interface TenantConnection {
  client: pg.PoolClient;
  drizzle: DrizzleParts;
}

export interface WithTenantSettings {
  key: ContextKey;
  limits: TransactionLimits;
  /** Called after a commit that changed a credential of the tenant (before the caller sees the result). */
  onCredentialChange: (tenantId: string) => void;
}

export const assertTenantId = (tenantId: string): void => {
  if (!tenantIdPattern.test(tenantId)) {
    throw new DbError('INVALID_TENANT_ID', `"${tenantId}" is not a valid tenant id`);
  }
};

/**
 * Runs `fn` in one transaction whose row policies see only `tenantId`.
 *
 * Right after BEGIN it sets a tenant context signed now, transaction-local
 * (`set_config(..., true)`, so a pooled connection never carries it into
 * the next checkout, and PgBouncer in transaction mode passes it), and
 * names the tenant, the actor, its role, the request id and IP. The
 * policies trust only that signature (platform.verified_context), so no
 * statement inside `fn`, injected or careless, can switch the tenant with
 * set_config, SET or RESET, nor forge the actor the audit trail records.
 * The transaction commits when `fn` resolves and rolls back when it throws
 * (the error is rethrown). A nested call for the same tenant runs in a
 * savepoint; a nested call for another tenant is refused.
 *
 * @example
 * const skill = await db.withTenant(tenantId, actor, (tx) =>
 *   tx.select().from(skills).where(eq(skills.slug, 'code-review')));
 */
export async function withTenantOn<T>(
  connection: TenantConnection,
  settings: WithTenantSettings,
  tenantId: string,
  actor: RequestActor,
  fn: (tx: TenantTx) => Promise<T>,
): Promise<T> {
  assertTenantId(tenantId);
  const { client, drizzle } = connection;
  // BEGIN first, answered with the backend and start time the context is then signed for: the database
  // accepts a context only in that transaction (migration 0034), so none can be copied to another.
  const began = (await client.query(beginBoundText)) as unknown as pg.QueryResult[];
  const binding = bindingOf(began[1]?.rows[0]);
  await client.query({
    // Prepared once per connection where the connection is the backend itself; behind a transaction-mode
    // pooler (another backend each transaction, its process id not the one the client was told) unnamed.
    ...(binding.pid === backendPid(client) ? { name: 'skillhub.set-tenant-context' } : {}),
    ...tenantContextQuery(settings.key, tenantId, actor, settings.limits, binding),
  });
  const tx = new NodePgTransaction(drizzle.dialect, drizzle.sessionOn(client), drizzle.schema) as TenantTx;
  let result: T;
  try {
    result = await runInScope({ tenantId, actor, tx, client }, () => fn(tx));
  } catch (error) {
    await client.query('rollback');
    throw error;
  }
  let committed: pg.QueryResult<{ changed: string | null }>[];
  try {
    committed = (await client.query(commitText)) as unknown as pg.QueryResult<{ changed: string | null }>[];
  } catch (error) {
    // `fn` caught a failed statement and went on: the transaction is aborted, the select refused, and
    // COMMIT never ran. COMMIT ends it as a rollback, which is what a plain COMMIT did here before.
    if ((error as { code?: string }).code === '25P02') {
      await client.query('commit');
      return result;
    }
    // A failed COMMIT has ended the transaction already; this only makes sure.
    await client.query('rollback');
    throw error;
  }
  if (committed[0]?.rows[0]?.changed === 'on') settings.onCredentialChange(tenantId);
  return result;
}

/** A nested withTenant: a savepoint in the enclosing transaction, for the same tenant only. */
export function withTenantNested<T>(tenantId: string, fn: (tx: TenantTx) => Promise<T>): Promise<T> | undefined {
  const outer = currentScope();
  if (!outer) return undefined;
  assertTenantId(tenantId);
  if (outer.tenantId !== tenantId) {
    throw new DbError(
      'TENANT_MISMATCH',
      `withTenant(${tenantId}) was called inside withTenant(${outer.tenantId}); one transaction serves one tenant`,
    );
  }
  return outer.tx.transaction((savepoint) => runInScope({ ...outer, tx: savepoint }, () => fn(savepoint)));
}
