import { createUserSession, recordAuditEvent, type TenantTx } from '@skillhub/db';
import type { AppConfig } from '../config/app-config.ts';
import { newSessionToken, sha256Hex } from '../crypto/tokens.ts';
import { sessionLimits } from './session-settings.ts';

export interface DeviceInfo {
  fingerprint: string | null;
  userAgent: string | null;
  location: string | null;
}

export interface StartedSession {
  token: string;
  sessionId: string;
  expiresAt: Date;
}

/** Creates a session for `userId` in the current tenant transaction; the raw token leaves only in the cookie. */
export async function startSession(
  tx: TenantTx,
  config: AppConfig,
  input: { userId: string; ip: string | null; device: DeviceInfo; mfaPending: boolean },
): Promise<StartedSession> {
  const token = newSessionToken();
  const limits = await sessionLimits(tx, config);
  const session = await createUserSession({
    userId: input.userId,
    tokenHash: sha256Hex(token),
    ip: input.ip,
    device: input.device,
    mfaPending: input.mfaPending,
    ...limits,
  });
  if (!input.mfaPending) {
    await recordAuditEvent({ action: 'auth.sign_in', resourceType: 'session', resourceId: session.id });
  }
  return { token, sessionId: session.id, expiresAt: session.expiresAt };
}
