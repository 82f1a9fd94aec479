import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  foreignKey,
  inet,
  interval,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uuid,
} from 'drizzle-orm/pg-core';
import { tenantIdColumn } from './tenant-column.ts';
import { tenants } from './tenants.ts';
import { users } from './users.ts';

export const securityEventTypes = [
  'login_success',
  'login_failed',
  'logout',
  'password_changed',
  'mfa_enabled',
  'mfa_disabled',
  'session_terminated',
  'access_blocked',
  'blacklist_hit',
  'suspicious_activity',
  'permission_denied',
  'data_export',
] as const;
export type SecurityEventType = (typeof securityEventTypes)[number];
export const securitySeverities = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type SecuritySeverity = (typeof securitySeverities)[number];

export const securityEventType = pgEnum('security_event_type', securityEventTypes);
export const securitySeverity = pgEnum('security_severity', securitySeverities);

/** Sign-in sessions; the token itself is never stored, only its SHA-256. */
export const userSessions = pgTable(
  'user_sessions',
  {
    tenantId: tenantIdColumn(),
    id: uuid('id').notNull().defaultRandom(),
    userId: uuid('user_id').notNull(),
    tokenHash: text('token_hash').notNull(),
    deviceFingerprint: text('device_fingerprint'),
    userAgent: text('user_agent'),
    ipAddress: inet('ip_address'),
    lastIp: inet('last_ip'),
    location: text('location'),
    mfaPending: boolean('mfa_pending').notNull().default(false),
    idleTimeout: interval('idle_timeout').notNull().default(sql`'00:30:00'::interval`),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    lastActivityAt: timestamp('last_activity_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    terminatedAt: timestamp('terminated_at', { withTimezone: true }),
    terminationReason: text('termination_reason'),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    unique().on(t.tenantId, t.tokenHash),
    foreignKey({ columns: [t.tenantId, t.userId], foreignColumns: [users.tenantId, users.id] }).onDelete('cascade'),
  ],
);

/** One-time MFA recovery codes, stored as SHA-256 of high-entropy codes. */
export const mfaRecoveryCodes = pgTable(
  'mfa_recovery_codes',
  {
    tenantId: tenantIdColumn(),
    id: uuid('id').notNull().defaultRandom(),
    userId: uuid('user_id').notNull(),
    codeHash: text('code_hash').notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    unique().on(t.tenantId, t.codeHash),
    foreignKey({ columns: [t.tenantId, t.userId], foreignColumns: [users.tenantId, users.id] }).onDelete('cascade'),
  ],
);

/**
 * Append-only; written only through the platform functions that record security events (migration 0023).
 * Partitioned by month on created_at (migration 0044), hence the key (id, created_at, tenant_id), tenant_id for a
 * shard's sake (0071); Drizzle does not model the partitions. The system chain's tenant_id is '' (0070), which names
 * no workspace: no key into tenants.
 */
export const securityEvents = pgTable(
  'security_events',
  {
    id: uuid('id').notNull().defaultRandom(),
    tenantId: text('tenant_id').notNull(),
    eventType: securityEventType('event_type').notNull(),
    severity: securitySeverity('severity').notNull().default('info'),
    userId: uuid('user_id'),
    email: text('email'),
    ipAddress: inet('ip_address'),
    sessionId: uuid('session_id'),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.id, t.createdAt, t.tenantId] })],
);

/**
 * Repeated identical failures per five-minute window (migration 0021): the
 * first few become security events, the rest only count here. The system
 * chain's tally is keyed '' (migration 0070), like its events.
 */
export const securityEventTallies = pgTable(
  'security_event_tallies',
  {
    tenantId: text('tenant_id').notNull(),
    windowStart: timestamp('window_start', { withTimezone: true }).notNull(),
    eventType: securityEventType('event_type').notNull(),
    subject: text('subject').notNull(),
    ipAddress: inet('ip_address'),
    target: text('target').notNull(),
    occurrences: bigint('occurrences', { mode: 'number' }).notNull().default(1),
    firstSeenAt: timestamp('first_seen_at', { withTimezone: true }).notNull().defaultNow(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique('security_event_tallies_key')
      .on(t.tenantId, t.windowStart, t.eventType, t.subject, t.ipAddress, t.target)
      .nullsNotDistinct(),
  ],
);

export type UserSession = typeof userSessions.$inferSelect;
export type SecurityEvent = typeof securityEvents.$inferSelect;
