import { randomUUID } from 'node:crypto';
import type { Database } from '@skillhub/db';
import { Hono } from 'hono';
import type { Logger } from 'pino';
import type { AppEnv } from './app-env.ts';
import { AppError } from './errors/app-error.ts';
import { errorHandler } from './errors/error-handler.ts';
import { healthRoutes } from './routes/health.ts';

export interface AppDependencies {
  db: Database;
  logger: Logger;
}

const requestIdPattern = /^[A-Za-z0-9._-]{1,64}$/;

/** The HTTP application: every route, the error mapping and request logging. */
export function createApp({ db, logger }: AppDependencies): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use(async (c, next) => {
    const offered = c.req.header('x-request-id');
    const requestId = offered && requestIdPattern.test(offered) ? offered : randomUUID();
    c.set('requestId', requestId);
    c.set('db', db);
    c.set('logger', logger.child({ requestId }));
    c.header('x-request-id', requestId);
    const started = performance.now();
    await next();
    c.var.logger.info(
      { method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(performance.now() - started) },
      'request',
    );
  });
  app.route('/', healthRoutes);
  app.notFound((c) => {
    throw new AppError('NOT_FOUND', `no route for ${c.req.method} ${c.req.path}`);
  });
  app.onError(errorHandler(logger));
  return app;
}
