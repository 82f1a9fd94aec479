import {
  and,
  eq,
  logSecurityEvent,
  recordAuditEvent,
  sameTenant,
  type TenantTx,
  type UserRole,
  users,
} from '@skillhub/db';
import { AppError } from '../errors/app-error.ts';
import { endSessionsOf } from './end-sessions-of.ts';
import { findUser } from './find-user.ts';

/** Deactivates a user and ends all their sessions. */
export async function deactivateUser(tx: TenantTx, callerRole: UserRole, callerId: string, userId: string) {
  const user = await findUser(tx, userId);
  if (userId === callerId) throw new AppError('CONFLICT', 'You cannot deactivate yourself.');
  if (user.role === 'owner' && callerRole !== 'owner') {
    throw new AppError('FORBIDDEN', 'Only an owner can deactivate an owner.', {
      denial: { action: 'deactivate an owner', required: 'owner', role: callerRole, resourceId: userId },
    });
  }
  await tx
    .update(users)
    .set({ isActive: false, updatedAt: new Date() })
    .where(and(sameTenant(users.tenantId), eq(users.id, userId)));
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
