import type { Database, Tenant } from '@skillhub/db';
import { cliActor } from './cli-actor.ts';

/** The tenant with this slug (looked up through the audited platform door), or an error that names it. */
export async function tenantBySlug(db: Database, slug: string): Promise<Tenant> {
  const found = await db.platform.findTenantBySlug(slug, cliActor());
  if (!found) throw new Error(`no tenant has the slug "${slug}"`);
  return found;
}
