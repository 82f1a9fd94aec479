import type { Context } from 'hono';
import type { AppEnv } from '../app-env.ts';
import type { NotFoundProbe } from './app-error.ts';

/**
 * A resource id that is missing for the caller may belong to another
 * tenant. The caller still gets the plain 404; the attempt is recorded as
 * access_blocked in the owning tenant, naming who tried.
 */
export async function recordForeignAttempt(c: Context<AppEnv>, probe: NotFoundProbe): Promise<void> {
  const auth = c.var.auth;
  if (!auth || !/^[0-9a-f-]{36}$/i.test(probe.id)) return;
  const owner = await c.var.db.platform.ownerOf(probe.table, probe.id);
  if (!owner || owner === auth.tenantId) return;
  await c.var.db.platform.logSecurityEvent({
    type: 'access_blocked',
    severity: 'high',
    tenantId: owner,
    ip: c.var.clientIp,
    details: {
      reason: 'cross_tenant_resource',
      resource: probe.table,
      resourceId: probe.id,
      fromTenant: auth.tenantId,
      actorType: auth.actor.actorType,
      actorId: auth.actor.actorId,
      method: c.req.method,
      path: c.req.path,
    },
  });
}
