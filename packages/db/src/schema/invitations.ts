import { foreignKey, index, pgTable, primaryKey, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';
import { tenantIdColumn } from './tenant-column.ts';
import { userRoles, users } from './users.ts';

/**
 * An admin's invitation to join the workspace with a chosen role. The
 * mailed token is stored only as its SHA-256; accepting goes through
 * platform.accept_invitation, which finds the invitation by that hash.
 */
export const invitations = pgTable(
  'invitations',
  {
    tenantId: tenantIdColumn(),
    id: uuid('id').notNull().defaultRandom(),
    email: text('email').notNull(),
    role: text('role', { enum: userRoles }).notNull(),
    tokenHash: text('token_hash').notNull(),
    invitedBy: uuid('invited_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    acceptedAt: timestamp('accepted_at', { withTimezone: true }),
    acceptedUserId: uuid('accepted_user_id'),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    unique().on(t.tenantId, t.tokenHash),
    foreignKey({ columns: [t.tenantId, t.invitedBy], foreignColumns: [users.tenantId, users.id] }).onDelete('cascade'),
    foreignKey({ columns: [t.tenantId, t.acceptedUserId], foreignColumns: [users.tenantId, users.id] }),
    index('invitations_tenant_id_created_at_idx').on(t.tenantId, t.createdAt.desc()),
    index('invitations_token_hash_idx').on(t.tokenHash),
  ],
);

export type Invitation = typeof invitations.$inferSelect;
