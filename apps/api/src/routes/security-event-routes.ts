import { type OpenAPIHono, z } from '@hono/zod-openapi';
import { and, desc, eq, securityEvents, securityEventTypes, securitySeverities, sql } from '@skillhub/db';
import type { AppEnv } from '../app-env.ts';
import { requireAuditReader } from '../audit/require-audit-reader.ts';
import { inTenant } from '../middleware/guards.ts';
import { IsoTime } from './audit-schemas.ts';
import { decodeCursor, encodeCursor, isoTimestamp } from './cursor.ts';
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
const Query = z
  .strictObject({
    type: z.enum(securityEventTypes).optional(),
    severity: z.enum(securitySeverities).optional(),
    userId: z.uuid().optional(),
    since: IsoTime.optional().openapi({ description: 'Events at or after this instant' }),
    until: IsoTime.optional().openapi({ description: 'Events at or before this instant' }),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(300).optional(),
  })
  .refine((q) => !q.since || !q.until || Date.parse(q.since) <= Date.parse(q.until), {
    message: '`since` must not be after `until`',
    path: ['since'],
  });

export function registerSecurityEventRoutes(app: OpenAPIHono<AppEnv>): void {
  defineRoute(
    app,
    {
      method: 'get',
      path: '/security-events',
      tag: 'Security',
      summary: 'Security events of this workspace, newest first (admins, or API keys with audit:read)',
      query: Query,
      response: z.object({ events: z.array(SecurityEvent), nextCursor: z.string().nullable() }),
    },
    async (c) => {
      const auth = await requireAuditReader(c, 'read security events');
      const query = readQuery(c, Query);
      const after = query.cursor ? decodeCursor(query.cursor) : null;
      const at = securityEvents.createdAt;
      const rows = await inTenant(c, auth, (tx) =>
        tx
          .select({
            id: securityEvents.id,
            eventType: securityEvents.eventType,
            severity: securityEvents.severity,
            userId: securityEvents.userId,
            email: securityEvents.email,
            ipAddress: sql<string | null>`host(${securityEvents.ipAddress})`,
            sessionId: securityEvents.sessionId,
            details: securityEvents.details,
            createdAt: isoTimestamp(at),
          })
          .from(securityEvents)
          .where(
            and(
              query.type ? eq(securityEvents.eventType, query.type) : undefined,
              query.severity ? eq(securityEvents.severity, query.severity) : undefined,
              query.userId ? eq(securityEvents.userId, query.userId) : undefined,
              query.since ? sql`${at} >= ${query.since}::timestamptz` : undefined,
              query.until ? sql`${at} <= ${query.until}::timestamptz` : undefined,
              after ? sql`(${at}, ${securityEvents.id}) < (${after.at}::timestamptz, ${after.id}::uuid)` : undefined,
            ),
          )
          .orderBy(desc(at), desc(securityEvents.id))
          .limit(query.limit + 1),
      );
      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      return c.json({
        events: page,
        nextCursor: rows.length > query.limit && last ? encodeCursor(last.createdAt, last.id) : null,
      });
    },
  );
}
