import { and, eq, recordAuditEvent, sameTenant, type TenantTx, terminateSession, userSessions } from '@skillhub/db';
import { AppError } from '../errors/app-error.ts';

/**
 * Ends one session of this workspace (only `ownerId`'s, when given); ending
 * an ended session changes nothing and records nothing.
 */
export async function endSession(tx: TenantTx, sessionId: string, reason: string, ownerId?: string): Promise<void> {
  const [session] = await tx
    .select({ id: userSessions.id, userId: userSessions.userId })
    .from(userSessions)
    .where(
      and(
        sameTenant(userSessions.tenantId),
        eq(userSessions.id, sessionId),
        ownerId ? eq(userSessions.userId, ownerId) : undefined,
      ),
    );
  if (!session)
    throw new AppError('NOT_FOUND', 'No such session.', { probe: { table: 'user_sessions', id: sessionId } });
  if (await terminateSession(session.id, reason)) {
    await recordAuditEvent({
      action: 'session.terminated',
      resourceType: 'session',
      resourceId: session.id,
      metadata: { reason },
    });
  }
}
