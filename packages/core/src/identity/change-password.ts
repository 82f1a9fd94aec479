import { and, type Database, eq, logSecurityEvent, recordAuditEvent, sameTenant, users } from '@skillhub/db';
import type { UserAuth } from '../auth/request-auth.ts';
import type { DeviceClaim } from '../crypto/device-token.ts';
import { hashPassword, verifyPassword } from '../crypto/passwords.ts';
import { endSessionsOf } from './end-sessions-of.ts';
import { loadUser } from './load-user.ts';
import { reauthenticate } from './reauthenticate.ts';

/**
 * Changes the caller's password after checking the current one, and ends
 * their other sessions. A wrong current password is recorded and throttled
 * like a failed sign-in (see {@link reauthenticate}).
 */
export async function changePassword(
  db: Database,
  auth: UserAuth,
  input: { currentPassword: string; newPassword: string; trustedDevice?: DeviceClaim | null },
): Promise<{ endedSessions: number }> {
  const outcome = await db.withTenant(auth.tenantId, auth.actor, async (tx) => {
    const user = await loadUser(tx, auth.userId);
    const refused = await reauthenticate(user, () => verifyPassword(user.passwordHash, input.currentPassword), {
      step: 'change_password',
      ip: auth.actor.ip ?? null,
      trustedDevice: input.trustedDevice ?? null,
      refusal: 'The current password is not correct.',
    });
    if (refused) return { refused };
    await tx
      .update(users)
      .set({ passwordHash: await hashPassword(input.newPassword), updatedAt: new Date() })
      .where(and(sameTenant(users.tenantId), eq(users.id, user.id)));
    await logSecurityEvent({ type: 'password_changed', userId: user.id, email: user.email, sessionId: auth.sessionId });
    await recordAuditEvent({ action: 'auth.password_changed', resourceType: 'user', resourceId: user.id });
    return { endedSessions: await endSessionsOf(tx, user.id, 'password_changed', auth.sessionId) };
  });
  if ('refused' in outcome) throw outcome.refused;
  return outcome;
}
