import { DbError } from '../errors.ts';
import { currentScope, type TenantScope } from '../tenant-context/context-store.ts';

/** The enclosing withTenant scope; `what` names the caller in the error when there is none. */
export function requireScope(what: string): TenantScope {
  const scope = currentScope();
  if (!scope) throw new DbError('NO_TENANT_CONTEXT', `${what} must run inside withTenant`);
  return scope;
}
