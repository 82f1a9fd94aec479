import { sql } from 'drizzle-orm';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import { DbError } from '../errors.ts';
import type * as schema from '../schema/index.ts';
import type { RequestActor } from './actor.ts';
import { currentScope, runInScope, type TenantTx } from './context-store.ts';

const tenantIdPattern = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Runs `fn` in one transaction whose row policies see only `tenantId`.
 *
 * The tenant, actor, request id and IP are set with `set_config(..., true)`:
 * transaction-local, so a pooled connection never carries them into the next
 * checkout. The transaction commits when `fn` resolves and rolls back when it
 * throws (the error is rethrown). A nested call for the same tenant runs in a
 * savepoint; a nested call for another tenant is refused.
 *
 * @example
 * const skill = await db.withTenant(tenantId, actor, (tx) =>
 *   tx.select().from(skills).where(eq(skills.slug, 'code-review')));
 */
export async function withTenantOn<T>(
  db: NodePgDatabase<typeof schema>,
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
    await tx.execute(sql`select
      set_config('app.current_tenant_id', ${tenantId}, true),
      set_config('app.actor_type', ${actor.actorType}, true),
      set_config('app.actor_id', ${actor.actorId ?? ''}, true),
      set_config('app.request_id', ${actor.requestId ?? ''}, true),
      set_config('app.ip', ${actor.ip ?? ''}, true)`);
    return runInScope({ tenantId, actor, tx }, () => fn(tx));
  });
}
