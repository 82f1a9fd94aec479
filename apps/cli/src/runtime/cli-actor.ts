import { randomUUID } from 'node:crypto';
import type { RequestAuth } from '@skillhub/core';
import { type RequestActor, systemActor, type Tenant } from '@skillhub/db';

/**
 * The actor every CLI change is recorded under: the system component `cli`,
 * with a request id of its own per command run, so the events one command
 * wrote can be found together in the trail.
 */
export const cliActor = (): RequestActor => systemActor('cli', `cli-${randomUUID()}`);

/** What the API's use cases take as their caller, for the CLI acting in `tenant` (no user, no key). */
export const cliAuth = (tenant: Tenant, actor: RequestActor = cliActor()): RequestAuth => ({
  tenantId: tenant.id,
  tenantSlug: tenant.slug,
  actor,
  userId: null,
  role: null,
  sessionId: null,
  apiKeyId: null,
  scopes: [],
});
