import { type AppEnv, createApp, type RunningServer, startServer } from '@skillhub/api';
import { type AppConfig, createMailDispatcher } from '@skillhub/core';
import { type Database, sql } from '@skillhub/db';
import type { Hono } from 'hono';
import type { Logger } from 'pino';

/**
 * What `--split` answers in place of a skill: the shape and size of a skill read's answer (the
 * benchmark's skills carry about 170 bytes of content), so the layers below a read serialise as
 * much JSON as the read does.
 */
export const standInSkill = {
  id: '00000000-0000-4000-8000-000000000000',
  slug: 'stand-in',
  name: 'A stand-in skill',
  description: 'What a skill read answers, without reading one.',
  tags: ['bench', 'split'],
  authorId: null,
  visibility: 'public',
  latestVersion: 1,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  content: 'x'.repeat(170),
  rating: { count: 0, average: null },
};

/**
 * The two layers under a skill read, for `npm run bench:api -- --split`, added after every API
 * route (so behind the same request middleware and credential check):
 * - `/bench/floor/:ref`: HTTP, the app's middleware and the caller's credential, then the stand-in;
 * - `/bench/transaction/:ref`: that, plus one tenant transaction (`withTenant`: BEGIN, the signed
 *   context, one trivial statement, COMMIT and the connection's cleanup), then the stand-in.
 * A skill read adds its query, its row policies, Drizzle and the route's schemas on top.
 */
function addSplitRoutes(app: Hono<AppEnv>): void {
  app.get('/bench/floor/:ref', (c) => (c.var.auth ? c.json(standInSkill) : c.json({ error: 'unauthenticated' }, 401)));
  app.get('/bench/transaction/:ref', async (c) => {
    const auth = c.var.auth;
    if (!auth) return c.json({ error: 'unauthenticated' }, 401);
    await c.var.db.withTenant(auth.tenantId, auth.actor, (tx) => tx.execute(sql`select ${c.req.param('ref')} as ref`));
    return c.json(standInSkill);
  });
}

/**
 * The product's app as `skillhub serve` builds it, with the split's two routes added, listening on a
 * free port; without the background loops (sealer, sinks, retention), which a read does not wake.
 */
export function startSplitServer(db: Database, config: AppConfig, logger: Logger): Promise<RunningServer> {
  const app = createApp({ db, logger, config, mail: createMailDispatcher(config, logger) });
  addSplitRoutes(app);
  return startServer(app, { port: 0, host: '127.0.0.1' });
}
