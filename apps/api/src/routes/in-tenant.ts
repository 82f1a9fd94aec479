import type { RequestAuth } from '@skillhub/core';
import type { Database, TenantTx } from '@skillhub/db';

/** Runs `fn` in the caller's tenant transaction. */
export const inTenant = <T>(
  c: { get: (key: 'db') => Database },
  auth: RequestAuth,
  fn: (tx: TenantTx) => Promise<T>,
): Promise<T> => c.get('db').withTenant(auth.tenantId, auth.actor, fn);
