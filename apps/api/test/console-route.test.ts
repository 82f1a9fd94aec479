import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { OpenAPIHono } from '@hono/zod-openapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppEnv } from '../src/app-env.ts';
import { registerConsole } from '../src/routes/console.ts';

const html = { accept: 'text/html,application/xhtml+xml' };

describe('console serving', () => {
  let dist: string;
  const app = new OpenAPIHono<AppEnv>();

  beforeAll(async () => {
    dist = await mkdtemp(path.join(os.tmpdir(), 'skillhub-console-'));
    await mkdir(path.join(dist, 'assets'));
    await writeFile(path.join(dist, 'index.html'), '<!doctype html><div id="root"></div>');
    await writeFile(path.join(dist, 'assets', 'index-abc123.js'), 'console.log(1)');
    // An API route registered before the console, as create-app does.
    app.get('/skills', (c) => c.json({ api: true }));
    registerConsole(app, dist);
  });
  afterAll(() => rm(dist, { recursive: true, force: true }));

  it('serves index.html under /console/ and for client-side paths, with a CSP', async () => {
    for (const url of ['/console/', '/console/skills/some-skill', '/']) {
      const response = await app.request(url, { headers: html });
      expect(response.status, url).toBe(200);
      expect(await response.text()).toContain('<div id="root">');
      expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(response.headers.get('cache-control')).toBe('no-cache');
    }
  });

  it('serves hashed assets as immutable', async () => {
    const response = await app.request('/console/assets/index-abc123.js');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('javascript');
    expect(response.headers.get('cache-control')).toContain('immutable');
  });

  it('never shadows an API route, even for a browser asking for HTML', async () => {
    const response = await app.request('/skills', { headers: html });
    expect(await response.json()).toEqual({ api: true });
  });

  it('leaves unknown paths to the API’s 404 unless HTML is asked for', async () => {
    expect((await app.request('/nope', { headers: { accept: 'application/json' } })).status).toBe(404);
    const missing = await app.request('/console/assets/gone.js');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('cache-control')).toBeNull();
    expect((await app.request('/console/', { method: 'POST', headers: html })).status).toBe(404);
  });

  it('is not registered at all without a build', async () => {
    const bare = new OpenAPIHono<AppEnv>();
    registerConsole(bare, path.join(dist, 'missing'));
    expect((await bare.request('/console/', { headers: html })).status).toBe(404);
  });
});
