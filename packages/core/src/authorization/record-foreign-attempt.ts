import { type Database, recordForeignProbe } from '@skillhub/db';
import type { RequestAuth } from '../auth/request-auth.ts';
import type { NotFoundProbe } from '../errors/app-error.ts';

/** Where an attempt came from, as the entry point saw it (the IP is the caller's own, from its context). */
export interface AttemptOrigin {
  method: string;
  path: string;
}

const uuidShape = /^[0-9a-f-]{36}$/i;

/**
 * A resource id that is missing for the caller may belong to another
 * tenant. The caller still gets the plain 404; the attempt is recorded as
 * access_blocked in the owning tenant, which the database finds from the
 * row itself, naming who tried from the caller's verified context. Runs in
 * a transaction of the caller's own tenant, after the request's has ended.
 */
export async function recordForeignAttempt(
  db: Database,
  auth: RequestAuth,
  probe: NotFoundProbe,
  origin: AttemptOrigin,
): Promise<void> {
  if (!uuidShape.test(probe.id)) return;
  await db.withTenantIndependently(auth.tenantId, auth.actor, () =>
    recordForeignProbe({ table: probe.table, id: probe.id, details: { method: origin.method, path: origin.path } }),
  );
}
