import { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env.ts';
import { registerCheckpointKeyRoute } from '../routes/audit/proof-routes.ts';
import { registerHealthRoutes } from '../routes/health.ts';
import { registerApiRoutes } from '../routes/register-api-routes.ts';
import { referencePage, viewerPath, viewerScript } from './reference-page.ts';

const info = {
  title: 'Skillhub API',
  version: '1.0.0',
  description: [
    'Every route runs inside its caller’s tenant: a session cookie (the console) or an API key (`Authorization: Bearer sk_…`).',
    '',
    'Errors are `{"error":{"code","message","requestId"}}`; a `VALIDATION_FAILED` adds `details`, one `{ path, message }` per refused field.',
  ].join('\n'),
};
const documentConfig = { openapi: '3.1.0', info };

/** Serves /openapi.json (OpenAPI 3.1) and its reference at /docs, rendered by Redoc from this server. */
export function registerApiReference(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'session', {
    type: 'apiKey',
    in: 'cookie',
    name: 'skillhub_session',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'apiKey', { type: 'http', scheme: 'bearer' });
  app.doc31('/openapi.json', documentConfig);
  app.get('/docs', referencePage('/openapi.json', `${info.title} reference`));
  app.get(viewerPath, viewerScript);
}

/** The document /openapi.json serves, built without a server (to generate the console's types from). */
export function openApiDocument() {
  const app = new OpenAPIHono<AppEnv>();
  registerApiReference(app);
  registerHealthRoutes(app);
  registerCheckpointKeyRoute(app);
  registerApiRoutes(app);
  return app.getOpenAPI31Document(documentConfig);
}
