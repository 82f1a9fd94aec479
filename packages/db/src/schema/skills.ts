import {
  foreignKey,
  integer,
  pgTable,
  primaryKey,
  real,
  smallint,
  text,
  timestamp,
  unique,
  uuid,
} from 'drizzle-orm/pg-core';
import { apiKeys } from './api-keys.ts';
import { tenantIdColumn } from './tenant-column.ts';
import { users } from './users.ts';

export const visibilities = ['private', 'internal', 'public'] as const;
export const reviewStatuses = ['pending', 'approved', 'changes_requested', 'rejected'] as const;

// Delete rules mirror migrations 0005 and 0055: rows hanging off a skill go
// with it; references to a user or an API key are plain keys (no action),
// since users are deactivated and keys revoked, never deleted, and Citus
// refuses `set null (column)` on a key that holds tenant_id.
const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true }).notNull().defaultNow();

export const skills = pgTable(
  'skills',
  {
    tenantId: tenantIdColumn(),
    id: uuid('id').notNull().defaultRandom(),
    slug: text('slug').notNull(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    content: text('content').notNull().default(''),
    tags: text('tags').array().notNull().default([]),
    authorId: uuid('author_id'),
    visibility: text('visibility', { enum: visibilities }).notNull().default('internal'),
    latestVersion: integer('latest_version').notNull().default(0),
    ratingCount: integer('rating_count').notNull().default(0),
    ratingSum: integer('rating_sum').notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    unique().on(t.tenantId, t.slug),
    foreignKey({ columns: [t.tenantId, t.authorId], foreignColumns: [users.tenantId, users.id] }),
  ],
);

export const skillVersions = pgTable(
  'skill_versions',
  {
    tenantId: tenantIdColumn(),
    id: uuid('id').notNull().defaultRandom(),
    skillId: uuid('skill_id').notNull(),
    version: integer('version').notNull(),
    content: text('content').notNull(),
    changelog: text('changelog').notNull().default(''),
    createdBy: uuid('created_by'),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    unique().on(t.tenantId, t.skillId, t.version),
    foreignKey({ columns: [t.tenantId, t.skillId], foreignColumns: [skills.tenantId, skills.id] }).onDelete('cascade'),
    foreignKey({ columns: [t.tenantId, t.createdBy], foreignColumns: [users.tenantId, users.id] }),
  ],
);

export const ratings = pgTable(
  'ratings',
  {
    tenantId: tenantIdColumn(),
    id: uuid('id').notNull().defaultRandom(),
    skillId: uuid('skill_id').notNull(),
    userId: uuid('user_id').notNull(),
    score: smallint('score').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    unique().on(t.tenantId, t.skillId, t.userId),
    foreignKey({ columns: [t.tenantId, t.skillId], foreignColumns: [skills.tenantId, skills.id] }).onDelete('cascade'),
    foreignKey({ columns: [t.tenantId, t.userId], foreignColumns: [users.tenantId, users.id] }).onDelete('cascade'),
  ],
);

export const usageEvents = pgTable(
  'usage_events',
  {
    tenantId: tenantIdColumn(),
    id: uuid('id').notNull().defaultRandom(),
    skillId: uuid('skill_id').notNull(),
    userId: uuid('user_id'),
    apiKeyId: uuid('api_key_id'),
    source: text('source').notNull().default('web'),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    foreignKey({ columns: [t.tenantId, t.skillId], foreignColumns: [skills.tenantId, skills.id] }).onDelete('cascade'),
    foreignKey({ columns: [t.tenantId, t.userId], foreignColumns: [users.tenantId, users.id] }),
    foreignKey({ columns: [t.tenantId, t.apiKeyId], foreignColumns: [apiKeys.tenantId, apiKeys.id] }),
  ],
);

export const skillEmbeddings = pgTable(
  'skill_embeddings',
  {
    tenantId: tenantIdColumn(),
    id: uuid('id').notNull().defaultRandom(),
    skillId: uuid('skill_id').notNull(),
    model: text('model').notNull(),
    embedding: real('embedding').array().notNull(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    unique().on(t.tenantId, t.skillId),
    foreignKey({ columns: [t.tenantId, t.skillId], foreignColumns: [skills.tenantId, skills.id] }).onDelete('cascade'),
  ],
);

export const skillReviews = pgTable(
  'skill_reviews',
  {
    tenantId: tenantIdColumn(),
    id: uuid('id').notNull().defaultRandom(),
    skillId: uuid('skill_id').notNull(),
    reviewerId: uuid('reviewer_id'),
    status: text('status', { enum: reviewStatuses }).notNull().default('pending'),
    notes: text('notes').notNull().default(''),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    unique().on(t.tenantId, t.skillId),
    foreignKey({ columns: [t.tenantId, t.skillId], foreignColumns: [skills.tenantId, skills.id] }).onDelete('cascade'),
    foreignKey({ columns: [t.tenantId, t.reviewerId], foreignColumns: [users.tenantId, users.id] }),
  ],
);

export type Skill = typeof skills.$inferSelect;
