import { and, eq, ne, sameTenant, sql, type TenantTx, terminateSession, userSessions } from '@skillhub/db';

/** Ends every live session of a user in this tenant, but `keep`; returns how many. */
export async function endSessionsOf(tx: TenantTx, userId: string, reason: string, keep?: string): Promise<number> {
  const live = await tx
    .select({ id: userSessions.id })
    .from(userSessions)
    .where(
      and(
        sameTenant(userSessions.tenantId),
        eq(userSessions.userId, userId),
        sql`${userSessions.terminatedAt} is null`,
        keep ? ne(userSessions.id, keep) : undefined,
      ),
    );
  for (const session of live) await terminateSession(session.id, reason);
  return live.length;
}
