import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import { DbError } from '../errors.ts';
import type * as schema from '../schema/index.ts';
import type { RequestActor } from './actor.ts';
import type { ContextKey } from './context-key.ts';
import { currentScope, runInScope, type TenantTx } from './context-store.ts';
import { setTenantContextSql, type TransactionLimits } from './context-token.ts';

const tenantIdPattern = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Runs `fn` in one transaction whose row policies see only `tenantId`.
 *
 * Right after BEGIN it sets, transaction-local (`set_config(..., true)`, so
 * a pooled connection never carries it into the next checkout), a tenant
 * context signed with `key`: the tenant, the actor, its role, the request id
 * and IP. The policies trust only that signature (platform.verified_context),
 * so no statement inside `fn`, injected or careless, can switch the tenant
 * with set_config, SET or RESET, nor forge the actor the audit trail records.
 * The transaction commits when `fn` resolves and rolls back when it throws
 * (the error is rethrown). A nested call for the same tenant runs in a
 * savepoint; a nested call for another tenant is refused.
 *
 * @example
 * const skill = await db.withTenant(tenantId, actor, (tx) =>
 *   tx.select().from(skills).where(eq(skills.slug, 'code-review')));
 */
export async function withTenantOn<T>(
  db: NodePgDatabase<typeof schema>,
  key: ContextKey,
  limits: TransactionLimits,
  tenantId: string,
  actor: RequestActor,
  fn: (tx: TenantTx) => Promise<T>,
): Promise<T> {
  if (!tenantIdPattern.test(tenantId)) {
    throw new DbError('INVALID_TENANT_ID', `"${tenantId}" is not a valid tenant id`);
  }
  const outer = currentScope();
  if (outer) {
    if (outer.tenantId !== tenantId) {
      throw new DbError(
        'TENANT_MISMATCH',
        `withTenant(${tenantId}) was called inside withTenant(${outer.tenantId}); one transaction serves one tenant`,
      );
    }
    return outer.tx.transaction((savepoint) => runInScope({ ...outer, tx: savepoint }, () => fn(savepoint)));
  }
  return db.transaction(async (tx) => {
    // Signed after BEGIN: the database accepts a context only near its transaction's start.
    await tx.execute(setTenantContextSql(key, tenantId, actor, limits));
    return runInScope({ tenantId, actor, tx }, () => fn(tx));
  });
}
