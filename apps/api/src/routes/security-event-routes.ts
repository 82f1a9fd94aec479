import { type OpenAPIHono, z } from '@hono/zod-openapi';
import { and, desc, eq, gte, lt, or, securityEvents, securityEventTypes } from '@skillhub/db';
import type { AppEnv } from '../app-env.ts';
import { inTenant, requireRole } from '../middleware/guards.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { defineRoute, readQuery } from './openapi-route.ts';

const SecurityEvent = z
  .object({
    id: z.string(),
    eventType: z.enum(securityEventTypes),
    severity: z.string(),
    userId: z.string().nullable(),
    email: z.string().nullable(),
    ipAddress: z.string().nullable(),
    sessionId: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
    createdAt: z.string(),
  })
  .openapi('SecurityEvent');
const Query = z.strictObject({
  type: z.enum(securityEventTypes).optional(),
  userId: z.uuid().optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});

export function registerSecurityEventRoutes(app: OpenAPIHono<AppEnv>): void {
  defineRoute(
    app,
    {
      method: 'get',
      path: '/security-events',
      tag: 'Security',
      summary: 'Security events of this workspace, newest first (admins)',
      query: Query,
      response: z.object({ events: z.array(SecurityEvent), nextCursor: z.string().nullable() }),
    },
    async (c) => {
      const auth = await requireRole(c, 'admin', 'read security events');
      const query = readQuery(c, Query);
      const after = query.cursor ? decodeCursor(query.cursor) : null;
      const rows = await inTenant(c, auth, (tx) =>
        tx
          .select()
          .from(securityEvents)
          .where(
            and(
              query.type ? eq(securityEvents.eventType, query.type) : undefined,
              query.userId ? eq(securityEvents.userId, query.userId) : undefined,
              query.since ? gte(securityEvents.createdAt, new Date(query.since)) : undefined,
              after
                ? or(
                    lt(securityEvents.createdAt, after.at),
                    and(eq(securityEvents.createdAt, after.at), lt(securityEvents.id, after.id)),
                  )
                : undefined,
            ),
          )
          .orderBy(desc(securityEvents.createdAt), desc(securityEvents.id))
          .limit(query.limit + 1),
      );
      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      return c.json({
        events: page.map(({ tenantId: _tenant, ...event }) => event),
        nextCursor: rows.length > query.limit && last ? encodeCursor(last.createdAt, last.id) : null,
      });
    },
  );
}
