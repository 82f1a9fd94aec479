import type { Database, LoginThrottleVerdict } from '@skillhub/db';
import {
  and,
  eq,
  logRepeatedSecurityEvent,
  logSecurityEvent,
  type RequestActor,
  sameTenant,
  shouldBlockLogin,
  users,
} from '@skillhub/db';
import type { AppConfig } from '../config/app-config.ts';
import type { DeviceClaim } from '../crypto/device-token.ts';
import { verifyPassword } from '../crypto/passwords.ts';
import { AppError } from '../errors/app-error.ts';
import { signInPaused, trustedDeviceOf } from './sign-in-paused.ts';
import { type DeviceInfo, type StartedSession, startSession } from './start-session.ts';

export interface SignInInput {
  email: string;
  password: string;
  workspace: string;
  ip: string | null;
  device: DeviceInfo;
  requestId: string;
  /** The browser's device cookie, already verified as this server's (null: none, or not valid). */
  trustedDevice?: DeviceClaim | null;
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
 * Records a sign-in refused by the throttle or the blocklist. A client that
 * keeps trying while refused is counted, not recorded attempt by attempt.
 */
export async function recordThrottled(
  verdict: LoginThrottleVerdict,
  email: string,
  step: string,
  device: string | null,
): Promise<void> {
  const blocklisted = verdict.reason === 'blocklist';
  await logRepeatedSecurityEvent({
    type: blocklisted ? 'blacklist_hit' : 'access_blocked',
    severity: blocklisted ? 'high' : 'medium',
    subject: `email:${email}`,
    target: `${step}:${verdict.reason}`,
    email,
    details: blocklisted
      ? { reason: 'blocklist', step }
      : {
          reason: `throttled_by_${verdict.reason}`,
          step,
          retryAfterSeconds: verdict.retryAfterSeconds,
          ...(device && { device }),
        },
  });
}

/**
 * Signs a user in to a workspace. Unknown workspace, unknown email, wrong
 * password and deactivated account end in the same error after the same
 * password-hashing work; each is recorded. While the login throttle holds
 * (per email, per IP, per device), the answer says sign-in is paused and
 * when to retry, the same for every email. A browser whose device cookie
 * was issued to this user is exempt from the per-email block (OWASP's
 * device cookie): a stranger who knows the email cannot lock its owner out.
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
    await db.withTenant(tenant.id, actor, () =>
      logSecurityEvent({
        type: 'access_blocked',
        severity: 'medium',
        email,
        details: { reason: 'workspace_deactivated' },
      }),
    );
    throw new AppError('FORBIDDEN', 'This workspace has been deactivated.');
  }
  const outcome = await db.withTenant(tenant.id, actor, async (tx) => {
    const [user] = await tx
      .select()
      .from(users)
      .where(and(sameTenant(users.tenantId), eq(users.email, email)));
    const device = trustedDeviceOf(input.trustedDevice ?? null, user);
    const verdict = await shouldBlockLogin(email, input.ip, device);
    if (verdict.blocked) {
      await verifyPassword(null, input.password);
      await recordThrottled(verdict, email, 'sign_in', device);
      return { refused: verdict };
    }
    const passwordOk = await verifyPassword(user?.passwordHash, input.password);
    if (!user || !passwordOk || !user.isActive) {
      await logSecurityEvent({
        type: 'login_failed',
        severity: 'low',
        userId: user?.id ?? null,
        email,
        details: {
          reason: !user ? 'unknown_email' : !passwordOk ? 'wrong_password' : 'account_deactivated',
          ...(device && { device }),
        },
      });
      // The failure that trips the throttle (the workspace's limit, by email,
      // IP or device) is a burst worth a look; later refusals are access_blocked.
      const after = await shouldBlockLogin(email, input.ip, device);
      if (after.blocked && after.reason !== 'blocklist' && after.reason !== 'allowlisted') {
        await logSecurityEvent({
          type: 'suspicious_activity',
          severity: 'high',
          userId: user?.id ?? null,
          email,
          details: { reason: 'failure_burst', by: after.reason, failures: after.failures },
        });
      }
      return { refused: null };
    }
    const session = await startSession(tx, config, {
      userId: user.id,
      ip: input.ip,
      device: input.device,
      mfaPending: user.mfaEnabled,
    });
    return { signedIn: { ...session, tenantId: tenant.id, userId: user.id, mfaRequired: user.mfaEnabled } };
  });
  if (outcome.signedIn) return outcome.signedIn;
  if (outcome.refused && outcome.refused.reason !== 'blocklist') throw signInPaused(outcome.refused.retryAfterSeconds);
  throw invalidCredentials();
}
