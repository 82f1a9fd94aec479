import { eq, logSecurityEvent, recordAuditEvent, type TenantTx, users } from '@skillhub/db';
import { hashPassword, verifyPassword } from '../crypto/passwords.ts';
import { AppError } from '../errors/app-error.ts';
import { endSessionsOf } from './end-sessions-of.ts';
import { loadUser } from './load-user.ts';

/** Changes the caller's password after checking the current one; ends their other sessions. */
export async function changePassword(
  tx: TenantTx,
  input: { userId: string; sessionId: string; currentPassword: string; newPassword: string },
): Promise<{ endedSessions: number }> {
  const user = await loadUser(tx, input.userId);
  if (!(await verifyPassword(user.passwordHash, input.currentPassword))) {
    throw new AppError('FORBIDDEN', 'The current password is not correct.');
  }
  await tx
    .update(users)
    .set({ passwordHash: await hashPassword(input.newPassword), updatedAt: new Date() })
    .where(eq(users.id, user.id));
  await logSecurityEvent({ type: 'password_changed', userId: user.id, email: user.email, sessionId: input.sessionId });
  await recordAuditEvent({ action: 'auth.password_changed', resourceType: 'user', resourceId: user.id });
  return { endedSessions: await endSessionsOf(tx, user.id, 'password_changed', input.sessionId) };
}
