import { integer, jsonb, pgTable, primaryKey, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';
import { visibilities } from './skills.ts';
import { tenantIdColumn } from './tenant-column.ts';

/** One row per tenant. */
export const siteSettings = pgTable(
  'site_settings',
  {
    tenantId: tenantIdColumn(),
    id: uuid('id').notNull().defaultRandom(),
    displayName: text('display_name').notNull().default('Skillhub'),
    logoUrl: text('logo_url'),
    defaultVisibility: text('default_visibility', { enum: visibilities }).notNull().default('internal'),
    settings: jsonb('settings').$type<Record<string, unknown>>().notNull().default({}),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    /** Days of audit events the workspace keeps (migration 0048); null keeps them forever. */
    auditRetentionDays: integer('audit_retention_days'),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] }), unique().on(t.tenantId)],
);
