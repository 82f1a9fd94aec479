import type { Database } from '@skillhub/db';
import type { RequestAuth } from '../auth/request-auth.ts';
import type { NotFoundProbe } from '../errors/app-error.ts';

/** Where an attempt came from, as the entry point saw it. */
export interface AttemptOrigin {
  ip: string | null;
  method: string;
  path: string;
}

const uuidShape = /^[0-9a-f-]{36}$/i;

/**
 * A resource id that is missing for the caller may belong to another
 * tenant. The caller still gets the plain 404; the attempt is recorded as
 * access_blocked in the owning tenant, naming who tried.
 */
export async function recordForeignAttempt(
  db: Database,
  auth: RequestAuth,
  probe: NotFoundProbe,
  origin: AttemptOrigin,
): Promise<void> {
  if (!uuidShape.test(probe.id)) return;
  const owner = await db.platform.ownerOf(probe.table, probe.id);
  if (!owner || owner === auth.tenantId) return;
  await db.platform.logSecurityEvent(
    {
      type: 'access_blocked',
      severity: 'high',
      tenantId: owner,
      ip: origin.ip,
      details: {
        reason: 'cross_tenant_resource',
        resource: probe.table,
        resourceId: probe.id,
        fromTenant: auth.tenantId,
        actorType: auth.actor.actorType,
        actorId: auth.actor.actorId,
        method: origin.method,
        path: origin.path,
      },
    },
    auth.actor,
  );
}
