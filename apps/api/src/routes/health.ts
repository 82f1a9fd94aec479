import { type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env.ts';
import { defineRoute, json } from '../openapi/define-route.ts';

/** Seconds a load balancer should wait before asking an unready server again. */
const readyRetrySeconds = 5;

const Health = z
  .object({
    status: z.enum(['ok', 'degraded']),
    database: z.enum(['reachable', 'unreachable']),
  })
  .openapi('Health');

const Readiness = z
  .object({
    status: z.enum(['ok', 'unavailable']),
    database: z.enum(['reachable', 'unreachable']),
  })
  .openapi('Readiness');

const liveRoute = defineRoute({
  method: 'get',
  path: '/health',
  tags: ['Health'],
  summary: 'Liveness: the process is up and serving',
  description:
    'Always 200 while the process serves; `degraded` while PostgreSQL does not answer. A restart would not bring ' +
    'the database back, so a supervisor should not restart on `degraded`; the server reconnects by itself.',
  public: true,
  responses: { 200: json(Health, 'Serving; `database` says whether PostgreSQL answers') },
});

const readyRoute = defineRoute({
  method: 'get',
  path: '/health/ready',
  tags: ['Health'],
  summary: 'Readiness: the server can answer requests that need the database',
  description: `503 (with Retry-After: ${readyRetrySeconds}) while PostgreSQL does not answer, for load balancers to route around.`,
  public: true,
  responses: {
    200: json(Readiness, 'Ready'),
    503: json(Readiness, 'Not ready: PostgreSQL does not answer'),
  },
});

/**
 * `GET /health` (liveness) and `GET /health/ready` (readiness). Registered
 * before authentication: neither needs a credential or reaches tenant data.
 */
export function registerHealthRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(liveRoute, async (c) => {
    const up = await c.get('db').ping();
    return c.json({ status: up ? 'ok' : 'degraded', database: up ? 'reachable' : 'unreachable' } as const, 200);
  });
  app.openapi(readyRoute, async (c) => {
    if (await c.get('db').ping()) return c.json({ status: 'ok', database: 'reachable' } as const, 200);
    c.header('Retry-After', String(readyRetrySeconds));
    return c.json({ status: 'unavailable', database: 'unreachable' } as const, 503);
  });
}
