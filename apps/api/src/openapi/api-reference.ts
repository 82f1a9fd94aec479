import { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env.ts';
import { registerHealthRoutes } from '../routes/health.ts';
import { registerApiRoutes } from '../routes/register-api-routes.ts';

const escapeHtml = (text: string) =>
  text.replace(/[&<>"]/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[ch] ?? ch);

interface Operation {
  summary?: string;
  tags?: string[];
}

const info = { title: 'Skillhub API', version: '1.0.0', description: 'Every route runs inside its caller’s tenant.' };
const documentConfig = { openapi: '3.1.0', info };

/** Serves /openapi.json (OpenAPI 3.1) and a plain, readable reference page at /docs. */
export function registerApiReference(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'session', {
    type: 'apiKey',
    in: 'cookie',
    name: 'skillhub_session',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'apiKey', { type: 'http', scheme: 'bearer' });
  app.doc31('/openapi.json', documentConfig);
  app.get('/docs', (c) => {
    const document = app.getOpenAPI31Document(documentConfig);
    const byTag = new Map<string, string[]>();
    for (const [path, methods] of Object.entries(document.paths ?? {})) {
      for (const [method, operation] of Object.entries(methods as Record<string, Operation>)) {
        const tag = operation.tags?.[0] ?? 'Other';
        const row = `<tr><td><code>${method.toUpperCase()}</code></td><td><code>${escapeHtml(path)}</code></td><td>${escapeHtml(operation.summary ?? '')}</td></tr>`;
        byTag.set(tag, [...(byTag.get(tag) ?? []), row]);
      }
    }
    const sections = [...byTag]
      .map(([tag, rows]) => `<h2>${escapeHtml(tag)}</h2><table>${rows.join('')}</table>`)
      .join('');
    return c.html(
      `<!doctype html><html><head><meta charset="utf-8"><title>Skillhub API</title><style>body{font:15px system-ui;max-width:960px;margin:2rem auto;padding:0 1rem}td{padding:4px 12px 4px 0;vertical-align:top}code{font-size:13px}</style></head><body><h1>Skillhub API</h1><p>${escapeHtml(info.description)} Errors are <code>{"error":{"code","message","requestId"}}</code>. Machine-readable: <a href="/openapi.json">/openapi.json</a>.</p>${sections}</body></html>`,
    );
  });
}

/** The document /openapi.json serves, built without a server (to generate the console's types from). */
export function openApiDocument() {
  const app = new OpenAPIHono<AppEnv>();
  registerApiReference(app);
  registerHealthRoutes(app);
  registerApiRoutes(app);
  return app.getOpenAPI31Document(documentConfig);
}
