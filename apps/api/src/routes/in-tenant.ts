import type { RequestAuth } from '@skillhub/core';
import type { Database, TenantTx } from '@skillhub/db';

/** Runs `fn` in the caller's tenant transaction. */
export const inTenant = <T>(
  c: { get: (key: 'db') => Database },
  auth: RequestAuth,
  fn: (tx: TenantTx) => Promise<T>,
): Promise<T> => c.get('db').withTenant(auth.tenantId, auth.actor, fn);

/**
 * Runs `fn`, a read of one statement, in the caller's tenant transaction, which then costs one round
 * trip: BEGIN, the context, the statement, COMMIT and the connection's cleanup leave together.
 */
export const readInTenant = <T>(
  c: { get: (key: 'db') => Database },
  auth: RequestAuth,
  fn: (tx: TenantTx) => Promise<T>,
): Promise<T> => c.get('db').withTenant(auth.tenantId, auth.actor, fn, { oneRead: true });
