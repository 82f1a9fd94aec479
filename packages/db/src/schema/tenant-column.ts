import { sql } from 'drizzle-orm';
import { text } from 'drizzle-orm/pg-core';
import { tenants } from './tenants.ts';

/**
 * The `tenant_id` column every tenant-scoped table carries. It defaults to
 * the transaction's tenant, so inserts made inside `withTenant` never name
 * it; naming another tenant fails the row policy's WITH CHECK.
 */
export const tenantIdColumn = () =>
  text('tenant_id')
    .notNull()
    .default(sql`current_setting('app.current_tenant_id', true)`)
    .references(() => tenants.id, { onDelete: 'restrict' });
