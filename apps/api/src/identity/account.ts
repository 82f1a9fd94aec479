import {
  and,
  eq,
  logSecurityEvent,
  mfaRecoveryCodes,
  ne,
  recordAuditEvent,
  sql,
  type TenantTx,
  terminateSession,
  userSessions,
  users,
} from '@skillhub/db';
import { hashPassword, verifyPassword } from '../auth/passwords.ts';
import { newRecoveryCodes, sha256Hex } from '../auth/tokens.ts';
import { newTotpSecret, totpStep, verifyTotp } from '../auth/totp.ts';
import { AppError } from '../errors/app-error.ts';

const loadUser = async (tx: TenantTx, userId: string) => {
  const [user] = await tx.select().from(users).where(eq(users.id, userId));
  if (!user) throw new AppError('UNAUTHENTICATED', 'Your account no longer exists.');
  return user;
};

/** Ends every live session of a user in this tenant, but `keep`; returns how many. */
export async function endSessionsOf(tx: TenantTx, userId: string, reason: string, keep?: string): Promise<number> {
  const live = await tx
    .select({ id: userSessions.id })
    .from(userSessions)
    .where(
      and(
        eq(userSessions.userId, userId),
        sql`${userSessions.terminatedAt} is null`,
        keep ? ne(userSessions.id, keep) : undefined,
      ),
    );
  for (const session of live) await terminateSession(session.id, reason);
  return live.length;
}

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

/** Step one of enabling MFA: a new secret, kept unconfirmed until a code proves the app has it. */
export async function beginMfaSetup(tx: TenantTx, userId: string) {
  const user = await loadUser(tx, userId);
  if (user.mfaEnabled) throw new AppError('CONFLICT', 'Two-factor authentication is already on.');
  const { secret, uri } = newTotpSecret(user.email);
  await tx.update(users).set({ mfaSecret: secret, updatedAt: new Date() }).where(eq(users.id, user.id));
  return { secret, otpauthUri: uri };
}

/** Step two: a valid code turns MFA on and yields ten one-time recovery codes, shown once. */
export async function confirmMfaSetup(
  tx: TenantTx,
  userId: string,
  code: string,
): Promise<{ recoveryCodes: string[] }> {
  const user = await loadUser(tx, userId);
  if (user.mfaEnabled) throw new AppError('CONFLICT', 'Two-factor authentication is already on.');
  if (!user.mfaSecret) throw new AppError('CONFLICT', 'Start two-factor setup first.');
  if (!verifyTotp(user.mfaSecret, code))
    throw new AppError('VALIDATION_FAILED', 'That code is not valid; try the current one.');
  await tx.update(users).set({ mfaEnabled: true, updatedAt: new Date() }).where(eq(users.id, user.id));
  const recoveryCodes = newRecoveryCodes();
  await tx.delete(mfaRecoveryCodes).where(eq(mfaRecoveryCodes.userId, user.id));
  await tx.insert(mfaRecoveryCodes).values(recoveryCodes.map((c) => ({ userId: user.id, codeHash: sha256Hex(c) })));
  await logSecurityEvent({ type: 'mfa_enabled', userId: user.id, email: user.email });
  await recordAuditEvent({ action: 'auth.mfa_enabled', resourceType: 'user', resourceId: user.id });
  return { recoveryCodes };
}

/** Turns MFA off after re-authentication with the password and a current code (or a recovery code). */
export async function disableMfa(tx: TenantTx, userId: string, password: string, code: string): Promise<void> {
  const user = await loadUser(tx, userId);
  if (!user.mfaEnabled || !user.mfaSecret) throw new AppError('CONFLICT', 'Two-factor authentication is not on.');
  const passwordOk = await verifyPassword(user.passwordHash, password);
  if (!passwordOk || !(await secondFactorOk(tx, user.id, user.mfaSecret, code))) {
    throw new AppError('FORBIDDEN', 'The password or code is not correct.');
  }
  await tx
    .update(users)
    .set({ mfaEnabled: false, mfaSecret: null, updatedAt: new Date() })
    .where(eq(users.id, user.id));
  await tx.delete(mfaRecoveryCodes).where(eq(mfaRecoveryCodes.userId, user.id));
  await logSecurityEvent({ type: 'mfa_disabled', severity: 'medium', userId: user.id, email: user.email });
  await recordAuditEvent({ action: 'auth.mfa_disabled', resourceType: 'user', resourceId: user.id });
}

/** A TOTP code not accepted before, or an unused recovery code (which is then spent). */
export async function secondFactorOk(tx: TenantTx, userId: string, secret: string, code: string): Promise<boolean> {
  const step = totpStep(secret, code.trim());
  if (step !== null) {
    // A code is good once (RFC 6238, 5.2): someone who saw it cannot replay it
    // while it lasts. The conditional update also settles two racing uses.
    const accepted = await tx
      .update(users)
      .set({ mfaLastUsedStep: step })
      .where(and(eq(users.id, userId), sql`coalesce(${users.mfaLastUsedStep}, -1) < ${step}`))
      .returning({ id: users.id });
    return accepted.length > 0;
  }
  const spent = await tx
    .update(mfaRecoveryCodes)
    .set({ usedAt: new Date() })
    .where(
      and(
        eq(mfaRecoveryCodes.userId, userId),
        eq(mfaRecoveryCodes.codeHash, sha256Hex(code.trim().toLowerCase())),
        sql`${mfaRecoveryCodes.usedAt} is null`,
      ),
    )
    .returning({ id: mfaRecoveryCodes.id });
  return spent.length > 0;
}
