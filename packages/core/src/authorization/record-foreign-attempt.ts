import { type Database, type RequestActor, recordForeignProbe, recordHostMismatch } from '@skillhub/db';
import type { RequestAuth } from '../auth/request-auth.ts';
import type { NotFoundProbe } from '../errors/app-error.ts';

/** What the attempt asked for, as the entry point saw it (who and from where is the caller's context). */
export interface AttemptOrigin {
  method: string;
  path: string;
}

const uuidShape = /^[0-9a-f-]{36}$/i;

/**
 * A resource id that is missing for the caller may belong to another
 * tenant. The caller still gets the plain 404; the attempt is recorded as
 * access_blocked in the owning tenant, which the database finds from the
 * row itself, naming who tried from the caller's verified context: once
 * per probing credential, target tenant and five minutes, then counted.
 *
 * It costs a lookup, and a write when the id is another tenant's: the API
 * runs it after the answer has gone out, so the 404 for a foreign id takes
 * no longer than the one for an id that exists nowhere.
 */
export async function recordForeignAttempt(
  db: Database,
  auth: RequestAuth,
  probe: NotFoundProbe,
  origin: AttemptOrigin,
): Promise<void> {
  if (!uuidShape.test(probe.id)) return;
  await db.withTenantIndependently(auth.tenantId, auth.actor, () =>
    recordForeignProbe({
      table: probe.table,
      id: probe.id,
      details: { method: origin.method, path: origin.path },
    }),
  );
}

/**
 * A credential of `credential.tenantId` presented on the host of another
 * workspace (`workspace`, the host's subdomain): recorded in that workspace,
 * which the database finds by its slug, naming the credential from the
 * verified context of its own tenant; aggregated like a probe.
 */
export async function recordCredentialOnForeignHost(
  db: Database,
  credential: { tenantId: string; actor: RequestActor; who: Record<string, string> },
  workspace: string,
  origin: AttemptOrigin,
): Promise<void> {
  await db.withTenantIndependently(credential.tenantId, credential.actor, () =>
    recordHostMismatch(workspace, { ...credential.who, method: origin.method, path: origin.path }),
  );
}
