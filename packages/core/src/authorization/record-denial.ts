import { type Database, logSecurityEvent } from '@skillhub/db';
import type { RequestAuth } from '../auth/request-auth.ts';
import type { Denial } from '../errors/app-error.ts';

/**
 * Records a refused action as permission_denied in the caller's workspace,
 * always in a transaction of its own. Entry points call it once the
 * request's own transaction has ended (the API's error handler does), so a
 * rolled-back request never loses the record and never holds two pooled
 * connections at once, which under a storm of denials would starve the pool.
 */
export async function recordDenial(db: Database, auth: RequestAuth, denial: Denial): Promise<void> {
  await db.withTenantIndependently(auth.tenantId, auth.actor, () =>
    logSecurityEvent({ type: 'permission_denied', severity: 'medium', sessionId: auth.sessionId, details: denial }),
  );
}
