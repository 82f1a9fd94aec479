import type { Tenant } from '../schema/tenants.ts';

/** A `public.tenants` row as the platform functions return it. */
export type TenantRow = {
  id: string;
  name: string;
  slug: string;
  domain: string | null;
  logo: string | null;
  is_active: boolean;
  plan: Tenant['plan'];
  created_at: string | Date;
  updated_at: string | Date;
};

export const toTenant = (row: TenantRow): Tenant => ({
  id: row.id,
  name: row.name,
  slug: row.slug,
  domain: row.domain,
  logo: row.logo,
  isActive: row.is_active,
  plan: row.plan,
  createdAt: new Date(row.created_at),
  updatedAt: new Date(row.updated_at),
});
