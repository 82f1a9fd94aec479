import { randomUUID } from 'node:crypto';
import type { RequestAuth } from '@skillhub/core';
import { type RequestActor, systemActor, type Tenant } from '@skillhub/db';

const run = systemActor('cli', `cli-${randomUUID()}`);

/**
 * The actor everything a CLI run does is recorded under, platform
 * operations included: the system component `cli`, with one request id per
 * run (one process), so the events one command wrote can be found together
 * in the trail, across the system chain and the tenants' chains.
 */
export const cliActor = (): RequestActor => run;

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
