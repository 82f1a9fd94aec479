import { randomBytes } from 'node:crypto';
import { eq, logSecurityEvent, recordAuditEvent, type TenantTx, type UserRole, users } from '@skillhub/db';
import { hashPassword } from '../auth/passwords.ts';
import { AppError } from '../errors/app-error.ts';
import { isUniqueViolation } from '../errors/postgres-errors.ts';
import { endSessionsOf } from './account.ts';

export const publicUserColumns = {
  id: users.id,
  email: users.email,
  displayName: users.displayName,
  role: users.role,
  isActive: users.isActive,
  mfaEnabled: users.mfaEnabled,
  createdAt: users.createdAt,
};

/** A user of this tenant; another tenant's id is simply not found. */
export async function findUser(tx: TenantTx, userId: string) {
  const [user] = await tx.select(publicUserColumns).from(users).where(eq(users.id, userId));
  if (!user) throw new AppError('NOT_FOUND', 'No such user.', { probe: { table: 'users', id: userId } });
  return user;
}

export const listUsers = (tx: TenantTx) => tx.select(publicUserColumns).from(users).orderBy(users.createdAt);

/**
 * Adds a user with a one-time temporary password (shown once) that they
 * change after signing in, or with `password` when the caller chose one
 * (the CLI's first owner, say); `temporaryPassword` is then that password.
 */
export async function inviteUser(
  tx: TenantTx,
  callerRole: UserRole,
  input: { email: string; displayName: string; role: UserRole; password?: string | undefined },
) {
  if (input.role === 'owner' && callerRole !== 'owner')
    throw new AppError('FORBIDDEN', 'Only an owner can add an owner.');
  const temporaryPassword = input.password ?? randomBytes(12).toString('base64url');
  try {
    const [user] = await tx
      .insert(users)
      .values({
        email: input.email.trim().toLowerCase(),
        displayName: input.displayName,
        role: input.role,
        passwordHash: await hashPassword(temporaryPassword),
      })
      .returning(publicUserColumns);
    if (!user) throw new Error('insert returned nothing');
    await recordAuditEvent({
      action: 'user.invited',
      resourceType: 'user',
      resourceId: user.id,
      metadata: { role: input.role },
    });
    return { user, temporaryPassword };
  } catch (error) {
    if (isUniqueViolation(error)) throw new AppError('CONFLICT', 'A user with this email already exists here.');
    throw error;
  }
}

/** Changes a user's role; only an owner may touch owners or make one. */
export async function changeUserRole(tx: TenantTx, callerRole: UserRole, userId: string, role: UserRole) {
  const user = await findUser(tx, userId);
  if ((user.role === 'owner' || role === 'owner') && callerRole !== 'owner') {
    throw new AppError('FORBIDDEN', 'Only an owner can change an owner or make one.');
  }
  const [updated] = await tx
    .update(users)
    .set({ role, updatedAt: new Date() })
    .where(eq(users.id, userId))
    .returning(publicUserColumns);
  await recordAuditEvent({
    action: 'user.role_changed',
    resourceType: 'user',
    resourceId: userId,
    metadata: { from: user.role, to: role },
  });
  return updated;
}

/** Deactivates a user and ends all their sessions. */
export async function deactivateUser(tx: TenantTx, callerRole: UserRole, callerId: string, userId: string) {
  const user = await findUser(tx, userId);
  if (userId === callerId) throw new AppError('CONFLICT', 'You cannot deactivate yourself.');
  if (user.role === 'owner' && callerRole !== 'owner')
    throw new AppError('FORBIDDEN', 'Only an owner can deactivate an owner.');
  await tx.update(users).set({ isActive: false, updatedAt: new Date() }).where(eq(users.id, userId));
  const endedSessions = await endSessionsOf(tx, userId, 'user_deactivated');
  await recordAuditEvent({
    action: 'user.deactivated',
    resourceType: 'user',
    resourceId: userId,
    metadata: { endedSessions },
  });
  await logSecurityEvent({
    type: 'access_blocked',
    userId,
    email: user.email,
    details: { reason: 'user_deactivated' },
  });
  return { endedSessions };
}
