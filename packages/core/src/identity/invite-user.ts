import { randomBytes } from 'node:crypto';
import { recordAuditEvent, type TenantTx, type UserRole, users } from '@skillhub/db';
import { hashPassword } from '../crypto/passwords.ts';
import { AppError } from '../errors/app-error.ts';
import { isUniqueViolation } from '../errors/database-errors.ts';
import { publicUserColumns } from './find-user.ts';

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
  if (input.role === 'owner' && callerRole !== 'owner') {
    throw new AppError('FORBIDDEN', 'Only an owner can add an owner.', {
      denial: { action: 'add an owner', required: 'owner', role: callerRole },
    });
  }
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
