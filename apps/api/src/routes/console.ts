import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveStatic } from '@hono/node-server/serve-static';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../app-env.ts';

/** Where `npm run build -w @skillhub/console` writes the console. */
export const consoleDistDir = fileURLToPath(new URL('../../../console/dist', import.meta.url));

/** The console's URL prefix (Vite's `base`); everything else on the origin is the API. */
const prefix = '/console';

// The console loads only its own bundle and calls only this origin.
const securityHeaders = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
};

/**
 * Serves the built console (apps/console/dist) when it exists: its files
 * under /console/, and index.html for any other GET that asks for HTML and
 * that no API route answered, so a reload on /console/skills/x shows the
 * page. Register it after every API route: it must never shadow one.
 */
export function registerConsole(app: OpenAPIHono<AppEnv>, distDir = consoleDistDir): void {
  const indexFile = path.join(distDir, 'index.html');
  if (!existsSync(indexFile)) return;

  app.get(
    `${prefix}/*`,
    async (c, next) => {
      await next();
      if (!c.res.ok) return;
      for (const [name, value] of Object.entries(securityHeaders)) c.res.headers.set(name, value);
      // Hashed file names never change content; HTML must be revalidated to pick up a new build.
      const html = c.res.headers.get('content-type')?.startsWith('text/html');
      const hashed = !html && c.req.path.startsWith(`${prefix}/assets/`);
      c.res.headers.set('cache-control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
    serveStatic({ root: distDir, rewriteRequestPath: (requestPath) => requestPath.slice(prefix.length) }),
  );

  app.get('*', async (c: Context<AppEnv>, next) => {
    if (!c.req.header('accept')?.includes('text/html')) return next();
    // Read on each request: a rebuild renames the assets it points to.
    const html = await readFile(indexFile, 'utf8');
    return c.html(html, 200, { ...securityHeaders, 'cache-control': 'no-cache' });
  });
}
