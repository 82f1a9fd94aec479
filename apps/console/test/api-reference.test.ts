import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../api/test/support/test-server.ts';
import { desktop, launchBrowser, openPage, phone, runnable, screenshot } from './support/browser.ts';

/** Hosts a request may go to: this machine. Anything else would fail in an air-gapped install. */
const local = (url: string) => {
  if (url.startsWith('data:') || url.startsWith('blob:')) return true;
  const { hostname } = new URL(url);
  return hostname === '127.0.0.1' || hostname === 'localhost' || hostname === '[::1]';
};

describe.skipIf(!runnable)('the API reference at /docs', () => {
  let t: TestServer;
  let browser: Browser;
  const problems: string[] = [];

  beforeAll(async () => {
    t = await startTestServer();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('serves the viewer from this server, never a CDN', async () => {
    const page = await t.client.get('/docs');
    expect(page.status).toBe(200);
    expect(page.text).not.toMatch(/https?:\/\//);
    const script = await t.client.get('/docs/redoc.standalone.js');
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toMatch(/javascript/);
  });

  it.each([
    ['desktop', desktop],
    ['phone', phone],
  ])(
    'renders operations with schemas and examples, with no request off this machine (%s)',
    async (name, viewport) => {
      const { context, page } = await openPage(browser, problems, viewport);
      const requests: string[] = [];
      page.on('request', (request) => requests.push(request.url()));
      await page.goto(`${t.server.url}/docs`);
      await page.getByRole('heading', { name: 'Sign in to a workspace' }).first().waitFor({ timeout: 30_000 });
      // The schema of a request body and the example set on it.
      await page
        .getByText(/Request Body schema/)
        .first()
        .waitFor();
      await expect.poll(() => page.locator('body').textContent()).toContain('correct horse battery staple');
      expect(await page.locator('body').textContent()).toContain('release-notes-writer');
      // The whole reference is tens of thousands of pixels tall: the first screen shows the layout.
      await screenshot(page, `docs-${name}`, false);
      expect(requests.filter((url) => !local(url))).toEqual([]);
      await context.close();
      expect(problems).toEqual([]);
    },
    60_000,
  );
});
