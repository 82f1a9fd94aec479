import { Hono } from 'hono';
import type { AppEnv } from '../app-env.ts';

/** `GET /health`: 200 when the (already migrated) database answers, 503 when it does not. */
export const healthRoutes = new Hono<AppEnv>().get('/health', async (c) => {
  const up = await c.var.db.ping();
  return c.json({ status: up ? 'ok' : 'unavailable', database: up ? 'reachable' : 'unreachable' }, up ? 200 : 503);
});
