import { type OpenAPIHono, z } from '@hono/zod-openapi';
import { endSession, endSessionsOf, listSessions } from '@skillhub/core';
import type { AppEnv } from '../../app-env.ts';
import { defineRoute, IdParam, json, Ok, readId } from '../../openapi/define-route.ts';
import { adminGuard, userGuard } from '../../openapi/route-guards.ts';
import { inTenant } from '../in-tenant.ts';
import { AdminSessionsQuery, Session } from './identity-schemas.ts';

const Sessions = z.object({ sessions: z.array(Session) });

const listOwn = defineRoute({
  method: 'get',
  path: '/auth/sessions',
  tags: ['Sessions'],
  summary: 'Your live sessions',
  middleware: [userGuard] as const,
  responses: { 200: json(Sessions, 'Your live sessions, newest first') },
});

const endOwn = defineRoute({
  method: 'delete',
  path: '/auth/sessions/{id}',
  tags: ['Sessions'],
  summary: 'End one of your sessions',
  middleware: [userGuard] as const,
  request: { params: IdParam },
  responses: { 200: json(Ok, 'Ended') },
});

const endOthers = defineRoute({
  method: 'post',
  path: '/auth/sessions/end-others',
  tags: ['Sessions'],
  summary: 'End all your sessions but this one',
  middleware: [userGuard] as const,
  responses: { 200: json(z.object({ endedSessions: z.number() }), 'How many sessions ended') },
});

const listAll = defineRoute({
  method: 'get',
  path: '/admin/sessions',
  tags: ['Sessions'],
  summary: 'Sessions in this workspace (admins)',
  middleware: [adminGuard('list sessions')] as const,
  request: { query: AdminSessionsQuery },
  responses: { 200: json(Sessions, 'Sessions, newest first') },
});

const endAny = defineRoute({
  method: 'delete',
  path: '/admin/sessions/{id}',
  tags: ['Sessions'],
  summary: 'End any session in this workspace (admins)',
  middleware: [adminGuard('end sessions')] as const,
  request: { params: IdParam },
  responses: { 200: json(Ok, 'Ended') },
});

export function registerSessionRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(listOwn, async (c) => {
    const auth = c.get('caller');
    const sessions = await inTenant(c, auth, (tx) =>
      listSessions(tx, { currentSessionId: auth.sessionId, userId: auth.userId }),
    );
    return c.json({ sessions }, 200);
  });

  app.openapi(endOwn, async (c) => {
    const auth = c.get('caller');
    const id = readId(c.req.valid('param').id);
    await inTenant(c, auth, (tx) => endSession(tx, id, 'revoked_by_user', auth.userId));
    return c.json({ ok: true as const }, 200);
  });

  app.openapi(endOthers, async (c) => {
    const auth = c.get('caller');
    const endedSessions = await inTenant(c, auth, (tx) =>
      endSessionsOf(tx, auth.userId, 'revoked_by_user', auth.sessionId),
    );
    return c.json({ endedSessions }, 200);
  });

  app.openapi(listAll, async (c) => {
    const auth = c.get('caller');
    const { userId, includeEnded } = c.req.valid('query');
    const sessions = await inTenant(c, auth, (tx) =>
      listSessions(tx, { currentSessionId: auth.sessionId, userId, includeEnded: includeEnded === 'true' }),
    );
    return c.json({ sessions }, 200);
  });

  app.openapi(endAny, async (c) => {
    const id = readId(c.req.valid('param').id);
    await inTenant(c, c.get('caller'), (tx) => endSession(tx, id, 'revoked_by_admin'));
    return c.json({ ok: true as const }, 200);
  });
}
