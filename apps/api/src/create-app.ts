import { randomUUID } from 'node:crypto';
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Database } from '@skillhub/db';
import { bodyLimit } from 'hono/body-limit';
import type { Logger } from 'pino';
import type { AppEnv } from './app-env.ts';
import type { AppConfig } from './config.ts';
import { createEmbeddingProvider } from './embeddings/create-embedding-provider.ts';
import { AppError } from './errors/app-error.ts';
import { errorHandler } from './errors/error-handler.ts';
import { authenticate } from './middleware/authenticate.ts';
import { registerApiKeyRoutes } from './routes/api-key-routes.ts';
import { registerApiReference } from './routes/api-reference.ts';
import { registerAuditRoutes } from './routes/audit-routes.ts';
import { registerAuthRoutes } from './routes/auth-routes.ts';
import { registerConsole } from './routes/console.ts';
import { healthRoutes } from './routes/health.ts';
import { registerSecurityEventRoutes } from './routes/security-event-routes.ts';
import { registerSessionRoutes } from './routes/session-routes.ts';
import { registerSettingsRoutes } from './routes/settings-routes.ts';
import { registerSkillActivityRoutes } from './routes/skill-activity-routes.ts';
import { registerSkillRoutes } from './routes/skill-routes.ts';
import { registerUserRoutes } from './routes/user-routes.ts';

export interface AppDependencies {
  db: Database;
  logger: Logger;
  config: AppConfig;
}

const requestIdPattern = /^[A-Za-z0-9._-]{1,64}$/;
/** Largest accepted request body; skill content has its own, smaller limit. */
export const maxBodyBytes = 1024 * 1024;

/** The HTTP application: every route, the error mapping and request logging. */
export function createApp({ db, logger, config }: AppDependencies): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();
  const embeddings = createEmbeddingProvider(config);
  app.use(async (c, next) => {
    const offered = c.req.header('x-request-id');
    const requestId = offered && requestIdPattern.test(offered) ? offered : randomUUID();
    c.set('requestId', requestId);
    c.set('db', db);
    c.set('config', config);
    c.set('embeddings', embeddings);
    c.set('logger', logger.child({ requestId }));
    c.header('x-request-id', requestId);
    const started = performance.now();
    await next();
    const auth = c.var.auth;
    c.var.logger.info(
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
  app.use(
    bodyLimit({
      maxSize: maxBodyBytes,
      onError: () => {
        throw new AppError('PAYLOAD_TOO_LARGE', `Request bodies are limited to ${maxBodyBytes} bytes.`);
      },
    }),
  );
  app.route('/', healthRoutes);
  registerApiReference(app);
  app.use(authenticate);
  registerAuthRoutes(app);
  registerSessionRoutes(app);
  registerUserRoutes(app);
  registerApiKeyRoutes(app);
  registerSecurityEventRoutes(app);
  registerAuditRoutes(app);
  registerSettingsRoutes(app);
  registerSkillRoutes(app);
  registerSkillActivityRoutes(app);
  registerConsole(app);
  app.notFound((c) => {
    throw new AppError('NOT_FOUND', `No route for ${c.req.method} ${c.req.path}.`);
  });
  app.onError(errorHandler(logger));
  return app;
}
