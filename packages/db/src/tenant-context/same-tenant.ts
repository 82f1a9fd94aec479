import { type Column, eq, type SQL, type SQLWrapper, sql } from 'drizzle-orm';
import { DbError } from '../errors.ts';
import { currentScope } from './context-store.ts';

/**
 * Routing on Citus: a row policy's `tenant_id = (select platform.current_tenant_id())` is not a
 * filter Citus prunes shards on, so a statement relying on the policy alone goes to every shard.
 * These name the transaction's tenant in the statement itself, as a bound value, for each tenant
 * table it scans (docs/citus.md, step 4). The policy still enforces isolation; this only routes.
 */

/** The tenant of the enclosing `withTenant`; throws outside one. */
export function currentTenantId(): string {
  const scope = currentScope();
  if (!scope) throw new DbError('NO_TENANT_CONTEXT', 'sameTenant() and currentTenantId() work only inside withTenant');
  return scope.tenantId;
}

const aliasPattern = /^[a-z_][a-z0-9_]*$/;

/**
 * `<column> = <the current tenant>`, a bound value: for a Drizzle column (`sameTenant(skills.tenantId)`)
 * or, in raw SQL, a table or alias's `tenant_id` (`sameTenant('s')` renders `s.tenant_id = $n`).
 *
 * @example
 * tx.select().from(skills).where(and(sameTenant(skills.tenantId), eq(skills.slug, slug)));
 * tx.execute(sql`select 1 from ratings r where ${sameTenant('r')} and r.skill_id = ${id}`);
 */
export function sameTenant(column: Column | SQLWrapper | string): SQL {
  const tenantId = currentTenantId();
  if (typeof column !== 'string') return eq(column, tenantId);
  if (!aliasPattern.test(column)) throw new DbError('INVALID_INPUT', `"${column}" is not a table name or alias`);
  return sql`${sql.raw(`${column}.tenant_id`)} = ${tenantId}`;
}
