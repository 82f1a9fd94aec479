import { and, desc, eq, sameTenant, sql, type TenantTx, userSessions } from '@skillhub/db';
import { sessionColumns } from './session-columns.ts';

export interface ListSessionsInput {
  /** The caller's own session, marked `current`. */
  currentSessionId: string;
  /** One user's sessions; all of the workspace's when left out (admins). */
  userId?: string | undefined;
  includeEnded?: boolean | undefined;
}

/** Sessions of this workspace, newest first, at most 200. */
export async function listSessions(tx: TenantTx, input: ListSessionsInput) {
  const rows = await tx
    .select(sessionColumns)
    .from(userSessions)
    .where(
      and(
        sameTenant(userSessions.tenantId),
        input.userId ? eq(userSessions.userId, input.userId) : undefined,
        input.includeEnded ? undefined : sql`${userSessions.terminatedAt} is null`,
      ),
    )
    .orderBy(desc(userSessions.createdAt))
    .limit(200);
  return rows.map((r) => ({
    ...r,
    current: r.id === input.currentSessionId,
    createdAt: r.createdAt.toISOString(),
    lastActivityAt: r.lastActivityAt.toISOString(),
    expiresAt: r.expiresAt.toISOString(),
    terminatedAt: r.terminatedAt?.toISOString() ?? null,
  }));
}
