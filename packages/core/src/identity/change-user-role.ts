import { and, eq, recordAuditEvent, sameTenant, type TenantTx, type UserRole, users } from '@skillhub/db';
import { AppError } from '../errors/app-error.ts';
import { findUser, publicUserColumns } from './find-user.ts';

/** Changes a user's role; only an owner may touch owners or make one. */
export async function changeUserRole(tx: TenantTx, callerRole: UserRole, userId: string, role: UserRole) {
  const user = await findUser(tx, userId);
  if ((user.role === 'owner' || role === 'owner') && callerRole !== 'owner') {
    throw new AppError('FORBIDDEN', 'Only an owner can change an owner or make one.', {
      denial: { action: 'change an owner’s role', required: 'owner', role: callerRole, resourceId: userId },
    });
  }
  const [updated] = await tx
    .update(users)
    .set({ role, updatedAt: new Date() })
    .where(and(sameTenant(users.tenantId), eq(users.id, userId)))
    .returning(publicUserColumns);
  await recordAuditEvent({
    action: 'user.role_changed',
    resourceType: 'user',
    resourceId: userId,
    metadata: { from: user.role, to: role },
  });
  return updated;
}
