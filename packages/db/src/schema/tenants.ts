import { sql } from 'drizzle-orm';
import { boolean, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

export const tenants = pgTable(
  'tenants',
  {
    id: text('id').primaryKey().default(sql`gen_random_uuid()::text`),
    name: text('name').notNull(),
    slug: text('slug').notNull().unique(),
    domain: text('domain'),
    logo: text('logo'),
    isActive: boolean('is_active').notNull().default(true),
    plan: text('plan', { enum: ['free', 'team', 'enterprise'] })
      .notNull()
      .default('free'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  // A sign-up email's domain names at most one tenant.
  (t) => [uniqueIndex('tenants_domain_key').on(t.domain).where(sql`domain is not null`)],
);

export type Tenant = typeof tenants.$inferSelect;
