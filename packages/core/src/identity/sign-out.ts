import { recordAuditEvent, type TenantTx, terminateSession } from '@skillhub/db';

/** Ends the caller's own session and records the sign-out. */
export async function signOut(_tx: TenantTx, sessionId: string): Promise<void> {
  await terminateSession(sessionId, 'logout');
  await recordAuditEvent({ action: 'auth.sign_out', resourceType: 'session', resourceId: sessionId });
}
