import {
  bigint,
  boolean,
  foreignKey,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uuid,
} from 'drizzle-orm/pg-core';
import { tenantIdColumn } from './tenant-column.ts';
import { users } from './users.ts';

/**
 * Where a workspace streams its sealed audit events (migration 0039). The
 * signing secret is stored only sealed by the server (AES-256-GCM, bound to
 * the row); change capture redacts it.
 */
export const auditSinks = pgTable(
  'audit_sinks',
  {
    tenantId: tenantIdColumn(),
    id: uuid('id').notNull().defaultRandom(),
    name: text('name').notNull(),
    kind: text('kind', { enum: ['webhook'] })
      .notNull()
      .default('webhook'),
    url: text('url').notNull(),
    format: text('format', { enum: ['ocsf', 'jsonl'] })
      .notNull()
      .default('ocsf'),
    signingSecret: text('signing_secret').notNull(),
    createdBy: uuid('created_by'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    unique().on(t.tenantId, t.name),
    foreignKey({ columns: [t.tenantId, t.createdBy], foreignColumns: [users.tenantId, users.id] }),
  ],
);

/** Where a sink's delivery stands: its cursor (a leaf index), retry schedule and lease. Not change-captured. */
export const auditSinkCursors = pgTable(
  'audit_sink_cursors',
  {
    tenantId: tenantIdColumn(),
    sinkId: uuid('sink_id').notNull(),
    deliveredThrough: bigint('delivered_through', { mode: 'number' }).notNull().default(-1),
    pendingThrough: bigint('pending_through', { mode: 'number' }),
    generation: integer('generation').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull().defaultNow(),
    failures: integer('failures').notNull().default(0),
    failingSince: timestamp('failing_since', { withTimezone: true }),
    pausedAt: timestamp('paused_at', { withTimezone: true }),
    pausedReason: text('paused_reason'),
    leaseToken: uuid('lease_token'),
    leasedUntil: timestamp('leased_until', { withTimezone: true }),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.sinkId] }),
    foreignKey({ columns: [t.tenantId, t.sinkId], foreignColumns: [auditSinks.tenantId, auditSinks.id] }).onDelete(
      'cascade',
    ),
    index('audit_sink_cursors_due_idx').on(t.nextAttemptAt),
  ],
);

/** One delivery attempt of one batch to one sink. */
export const auditSinkAttempts = pgTable(
  'audit_sink_attempts',
  {
    tenantId: tenantIdColumn(),
    id: uuid('id').notNull().defaultRandom(),
    sinkId: uuid('sink_id').notNull(),
    attemptedAt: timestamp('attempted_at', { withTimezone: true }).notNull().defaultNow(),
    webhookId: text('webhook_id').notNull(),
    firstLeaf: bigint('first_leaf', { mode: 'number' }),
    lastLeaf: bigint('last_leaf', { mode: 'number' }),
    eventCount: integer('event_count').notNull(),
    statusCode: integer('status_code'),
    latencyMs: integer('latency_ms').notNull(),
    delivered: boolean('delivered').notNull(),
    error: text('error'),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    foreignKey({ columns: [t.tenantId, t.sinkId], foreignColumns: [auditSinks.tenantId, auditSinks.id] }).onDelete(
      'cascade',
    ),
    index('audit_sink_attempts_tenant_id_sink_id_attempted_at_idx').on(t.tenantId, t.sinkId, t.attemptedAt.desc()),
  ],
);
