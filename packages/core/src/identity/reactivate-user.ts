import { and, eq, recordAuditEvent, sameTenant, type TenantTx, type UserRole, users } from '@skillhub/db';
import { AppError } from '../errors/app-error.ts';
import { findUser, publicUserColumns } from './find-user.ts';

/**
 * Lets a deactivated user sign in again (their ended sessions stay ended).
 * As with deactivation, only an owner may bring an owner back. Reactivating
 * someone already active changes nothing and records nothing.
 *
 * @example
 * await db.withTenant(auth.tenantId, auth.actor, (tx) => reactivateUser(tx, auth.role, userId));
 */
export async function reactivateUser(tx: TenantTx, callerRole: UserRole, userId: string) {
  const user = await findUser(tx, userId);
  if (user.role === 'owner' && callerRole !== 'owner') {
    throw new AppError('FORBIDDEN', 'Only an owner can reactivate an owner.', {
      denial: { action: 'reactivate an owner', required: 'owner', role: callerRole, resourceId: userId },
    });
  }
  if (user.isActive) return user;
  const [updated] = await tx
    .update(users)
    .set({ isActive: true, updatedAt: new Date() })
    .where(and(sameTenant(users.tenantId), eq(users.id, userId)))
    .returning(publicUserColumns);
  if (!updated) throw new Error('update returned nothing');
  await recordAuditEvent({ action: 'user.activated', resourceType: 'user', resourceId: userId });
  return updated;
}
