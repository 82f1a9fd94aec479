import type { Database, Tenant } from '@skillhub/db';

/** The tenant with this slug (looked up through the audited platform door), or an error that names it. */
export async function tenantBySlug(db: Database, slug: string): Promise<Tenant> {
  const found = await db.platform.findTenantBySlug(slug);
  if (!found) throw new Error(`no tenant has the slug "${slug}"`);
  return found;
}
