import { type OpenAPIHono, z } from '@hono/zod-openapi';
import { listSecurityEvents } from '@skillhub/core';
import type { AppEnv } from '../../app-env.ts';
import { defineRoute, json } from '../../openapi/define-route.ts';
import { auditReaderGuard } from '../../openapi/route-guards.ts';
import { inTenant } from '../in-tenant.ts';
import { SecurityEvent, SecurityEventsQuery } from './audit-schemas.ts';

const list = defineRoute({
  method: 'get',
  path: '/security-events',
  tags: ['Security'],
  summary: 'Security events of this workspace, newest first (admins, or API keys with audit:read)',
  middleware: [auditReaderGuard('read security events')] as const,
  request: { query: SecurityEventsQuery },
  responses: {
    200: json(z.object({ events: z.array(SecurityEvent), nextCursor: z.string().nullable() }), 'One page'),
  },
});

export function registerSecurityEventRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(list, async (c) => {
    const query = c.req.valid('query');
    return c.json(await inTenant(c, c.get('caller'), (tx) => listSecurityEvents(tx, query)), 200);
  });
}
