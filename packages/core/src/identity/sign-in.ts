import type { Database } from '@skillhub/db';
import { eq, logSecurityEvent, type RequestActor, shouldBlockLogin, users } from '@skillhub/db';
import type { AppConfig } from '../config/app-config.ts';
import { verifyPassword } from '../crypto/passwords.ts';
import { AppError } from '../errors/app-error.ts';
import { type DeviceInfo, type StartedSession, startSession } from './start-session.ts';

export interface SignInInput {
  email: string;
  password: string;
  workspace: string;
  ip: string | null;
  device: DeviceInfo;
  requestId: string;
}

export interface SignInResult extends StartedSession {
  tenantId: string;
  userId: string;
  mfaRequired: boolean;
}

/** One answer for every refusal, so a caller cannot tell which part was wrong. */
export const invalidCredentials = () =>
  new AppError('UNAUTHENTICATED', 'The email, password or workspace is not correct, or sign-in is paused.');

/**
 * Signs a user in to a workspace. Unknown workspace, unknown email, wrong
 * password, deactivated account, throttled or blocklisted attempt all end in
 * the same error after the same password-hashing work; each is recorded.
 */
export async function signIn(db: Database, config: AppConfig, input: SignInInput): Promise<SignInResult> {
  const email = input.email.trim().toLowerCase();
  const actor: RequestActor = { actorType: 'system', actorId: 'sign-in', requestId: input.requestId, ip: input.ip };
  const tenant = await db.platform.findTenantBySlug(input.workspace, actor);
  if (!tenant) {
    await verifyPassword(null, input.password);
    await db.platform.logSecurityEvent(
      {
        type: 'login_failed',
        email,
        ip: input.ip,
        details: { reason: 'unknown_workspace', workspace: input.workspace },
      },
      actor,
    );
    throw invalidCredentials();
  }
  if (!tenant.isActive) {
    await db.platform.logSecurityEvent(
      {
        type: 'access_blocked',
        severity: 'medium',
        tenantId: tenant.id,
        email,
        ip: input.ip,
        details: { reason: 'workspace_deactivated' },
      },
      actor,
    );
    throw new AppError('FORBIDDEN', 'This workspace has been deactivated.');
  }
  const outcome = await db.withTenant(tenant.id, actor, async (tx) => {
    const verdict = await shouldBlockLogin(email, input.ip);
    if (verdict.blocked) {
      await verifyPassword(null, input.password);
      await logSecurityEvent(
        verdict.reason === 'blocklist'
          ? { type: 'blacklist_hit', severity: 'high', email, details: { reason: 'blocklist' } }
          : {
              type: 'access_blocked',
              severity: 'medium',
              email,
              details: { reason: `throttled_by_${verdict.reason}`, retryAfterSeconds: verdict.retryAfterSeconds },
            },
      );
      return null;
    }
    const [user] = await tx.select().from(users).where(eq(users.email, email));
    const passwordOk = await verifyPassword(user?.passwordHash, input.password);
    if (!user || !passwordOk || !user.isActive) {
      await logSecurityEvent({
        type: 'login_failed',
        severity: 'low',
        userId: user?.id ?? null,
        email,
        details: { reason: !user ? 'unknown_email' : !passwordOk ? 'wrong_password' : 'account_deactivated' },
      });
      // The failure that trips the throttle (the workspace's limit, by email
      // or by IP) is a burst worth a look; later refusals are access_blocked.
      const after = await shouldBlockLogin(email, input.ip);
      if (after.blocked && (after.reason === 'email' || after.reason === 'ip')) {
        await logSecurityEvent({
          type: 'suspicious_activity',
          severity: 'high',
          userId: user?.id ?? null,
          email,
          details: { reason: 'failure_burst', by: after.reason, failures: after.failures },
        });
      }
      return null;
    }
    const session = await startSession(tx, config, {
      userId: user.id,
      ip: input.ip,
      device: input.device,
      mfaPending: user.mfaEnabled,
    });
    return { ...session, tenantId: tenant.id, userId: user.id, mfaRequired: user.mfaEnabled };
  });
  if (!outcome) throw invalidCredentials();
  return outcome;
}
