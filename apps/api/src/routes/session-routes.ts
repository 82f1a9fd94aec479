import { type OpenAPIHono, z } from '@hono/zod-openapi';
import { and, desc, eq, recordAuditEvent, sql, type TenantTx, terminateSession, userSessions } from '@skillhub/db';
import type { AppEnv } from '../app-env.ts';
import { AppError } from '../errors/app-error.ts';
import { endSessionsOf } from '../identity/account.ts';
import { inTenant, requireRole, requireUser } from '../middleware/guards.ts';
import { defineRoute, readId, readQuery } from './openapi-route.ts';

const Session = z
  .object({
    id: z.string(),
    userId: z.string(),
    current: z.boolean(),
    deviceFingerprint: z.string().nullable(),
    userAgent: z.string().nullable(),
    ipAddress: z.string().nullable(),
    lastIp: z.string().nullable(),
    location: z.string().nullable(),
    createdAt: z.string(),
    lastActivityAt: z.string(),
    expiresAt: z.string(),
    terminatedAt: z.string().nullable(),
    terminationReason: z.string().nullable(),
  })
  .openapi('Session');

// Never the token hash.
const sessionColumns = {
  id: userSessions.id,
  userId: userSessions.userId,
  deviceFingerprint: userSessions.deviceFingerprint,
  userAgent: userSessions.userAgent,
  ipAddress: userSessions.ipAddress,
  lastIp: userSessions.lastIp,
  location: userSessions.location,
  createdAt: userSessions.createdAt,
  lastActivityAt: userSessions.lastActivityAt,
  expiresAt: userSessions.expiresAt,
  terminatedAt: userSessions.terminatedAt,
  terminationReason: userSessions.terminationReason,
};

async function listSessions(tx: TenantTx, currentId: string, userId?: string, includeEnded = false) {
  const rows = await tx
    .select(sessionColumns)
    .from(userSessions)
    .where(
      and(
        userId ? eq(userSessions.userId, userId) : undefined,
        includeEnded ? undefined : sql`${userSessions.terminatedAt} is null`,
      ),
    )
    .orderBy(desc(userSessions.createdAt))
    .limit(200);
  return rows.map((r) => ({
    ...r,
    current: r.id === currentId,
    createdAt: r.createdAt.toISOString(),
    lastActivityAt: r.lastActivityAt.toISOString(),
    expiresAt: r.expiresAt.toISOString(),
    terminatedAt: r.terminatedAt?.toISOString() ?? null,
  }));
}

async function endSession(tx: TenantTx, sessionId: string, reason: string, ownerId?: string) {
  const [session] = await tx
    .select({ id: userSessions.id, userId: userSessions.userId })
    .from(userSessions)
    .where(and(eq(userSessions.id, sessionId), ownerId ? eq(userSessions.userId, ownerId) : undefined));
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

const Sessions = z.object({ sessions: z.array(Session) });
const AdminQuery = z.strictObject({ userId: z.uuid().optional(), includeEnded: z.enum(['true', 'false']).optional() });

export function registerSessionRoutes(app: OpenAPIHono<AppEnv>): void {
  defineRoute(
    app,
    { method: 'get', path: '/auth/sessions', tag: 'Sessions', summary: 'Your live sessions', response: Sessions },
    async (c) => {
      const auth = requireUser(c);
      return c.json({ sessions: await inTenant(c, auth, (tx) => listSessions(tx, auth.sessionId, auth.userId)) });
    },
  );

  defineRoute(
    app,
    {
      method: 'delete',
      path: '/auth/sessions/:id',
      tag: 'Sessions',
      summary: 'End one of your sessions',
      response: z.object({ ok: z.literal(true) }),
    },
    async (c) => {
      const auth = requireUser(c);
      const id = readId(c);
      await inTenant(c, auth, (tx) => endSession(tx, id, 'revoked_by_user', auth.userId));
      return c.json({ ok: true as const });
    },
  );

  defineRoute(
    app,
    {
      method: 'post',
      path: '/auth/sessions/end-others',
      tag: 'Sessions',
      summary: 'End all your sessions but this one',
      response: z.object({ endedSessions: z.number() }),
    },
    async (c) => {
      const auth = requireUser(c);
      const endedSessions = await inTenant(c, auth, (tx) =>
        endSessionsOf(tx, auth.userId, 'revoked_by_user', auth.sessionId),
      );
      return c.json({ endedSessions });
    },
  );

  defineRoute(
    app,
    {
      method: 'get',
      path: '/admin/sessions',
      tag: 'Sessions',
      summary: 'Sessions in this workspace (admins)',
      query: AdminQuery,
      response: Sessions,
    },
    async (c) => {
      const auth = await requireRole(c, 'admin', 'list sessions');
      const query = readQuery(c, AdminQuery);
      const sessions = await inTenant(c, auth, (tx) =>
        listSessions(tx, auth.sessionId, query.userId, query.includeEnded === 'true'),
      );
      return c.json({ sessions });
    },
  );

  defineRoute(
    app,
    {
      method: 'delete',
      path: '/admin/sessions/:id',
      tag: 'Sessions',
      summary: 'End any session in this workspace (admins)',
      response: z.object({ ok: z.literal(true) }),
    },
    async (c) => {
      const auth = await requireRole(c, 'admin', 'end sessions');
      const id = readId(c);
      await inTenant(c, auth, (tx) => endSession(tx, id, 'revoked_by_admin'));
      return c.json({ ok: true as const });
    },
  );
}
