import { randomUUID } from 'node:crypto';
import { OpenAPIHono } from '@hono/zod-openapi';
import { type AppConfig, AppError, createEmbeddingProvider, type MailDispatcher } from '@skillhub/core';
import type { Database } from '@skillhub/db';
import { bodyLimit } from 'hono/body-limit';
import type { Logger } from 'pino';
import type { AppEnv } from './app-env.ts';
import { BackgroundRecords } from './errors/background-records.ts';
import { errorHandler } from './errors/error-handler.ts';
import { authenticate } from './middleware/authenticate.ts';
import { clientAddressOf } from './middleware/client-address.ts';
import { registerApiReference } from './openapi/api-reference.ts';
import { validationHook } from './openapi/define-route.ts';
import { registerCheckpointKeyRoute } from './routes/audit/proof-routes.ts';
import { registerConsole } from './routes/console.ts';
import { registerHealthRoutes } from './routes/health.ts';
import { registerApiRoutes } from './routes/register-api-routes.ts';

export interface AppDependencies {
  db: Database;
  logger: Logger;
  config: AppConfig;
  mail: MailDispatcher;
  /** Turn a JSON response that strays from its route's schema into a 500 (tests do). */
  checkResponses?: boolean;
  /** Where records that the answer does not wait for run (startSkillhub passes its own, to settle on close). */
  records?: BackgroundRecords;
}

const requestIdPattern = /^[A-Za-z0-9._-]{1,64}$/;
/** Largest accepted request body; skill content has its own, smaller limit. */
export const maxBodyBytes = 1024 * 1024;

/** The HTTP application: every route, the error mapping and request logging. */
export function createApp({
  db,
  logger,
  config,
  mail,
  checkResponses = false,
  records = new BackgroundRecords(logger),
}: AppDependencies): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const embeddings = createEmbeddingProvider(config);
  const clientIp = clientAddressOf(config.trustedProxies);
  app.use(async (c, next) => {
    const offered = c.req.header('x-request-id');
    const requestId = offered && requestIdPattern.test(offered) ? offered : randomUUID();
    c.set('requestId', requestId);
    c.set('db', db);
    c.set('config', config);
    c.set('embeddings', embeddings);
    c.set('mail', mail);
    c.set('checkResponses', checkResponses);
    c.set('records', records);
    c.set('clientIp', clientIp(c));
    c.set('logger', logger.child({ requestId }));
    c.header('x-request-id', requestId);
    const started = performance.now();
    await next();
    const auth = c.get('auth');
    c.get('logger').info(
      {
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round(performance.now() - started),
        tenantId: auth?.tenantId,
        actorType: auth?.actor.actorType,
        actorId: auth?.actor.actorId,
      },
      'request',
    );
  });
  const limitBody = bodyLimit({
    maxSize: maxBodyBytes,
    onError: () => {
      throw new AppError('PAYLOAD_TOO_LARGE', `Request bodies are limited to ${maxBodyBytes} bytes.`);
    },
  });
  // A GET or HEAD has no body to limit, and asking for one makes the Node adapter build a whole fetch
  // Request (about 4% of the server's CPU in a profile of `bench:api`).
  app.use((c, next) => (c.req.method === 'GET' || c.req.method === 'HEAD' ? next() : limitBody(c, next)));
  registerHealthRoutes(app);
  registerCheckpointKeyRoute(app);
  registerApiReference(app);
  app.use(authenticate);
  registerApiRoutes(app);
  registerConsole(app);
  app.notFound((c) => {
    throw new AppError('NOT_FOUND', `No route for ${c.req.method} ${c.req.path}.`);
  });
  app.onError(errorHandler(logger));
  return app;
}
