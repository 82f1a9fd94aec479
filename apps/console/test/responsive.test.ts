import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type SignedUpUser,
  signUpOwner,
  startTestServer,
  type TestServer,
} from '../../api/test/support/test-server.ts';
import { desktop, launchBrowser, openPage, phone, runnable, screenshot, type Viewport } from './support/browser.ts';
import { seriousViolations } from './support/page-checks.ts';

const pages = [
  '/skills',
  '/new-skill',
  '/skills/layout-check',
  '/skills/layout-check/edit',
  '/skills/layout-check/history',
  '/audit',
  '/security',
  '/erasure',
  '/sessions',
  '/api-keys',
  '/settings',
  '/people',
  '/workspace-sessions',
  '/account',
];

describe.skipIf(!runnable)(
  'every page from 390 px up: no sideways scroll, visible headings, a menu, no serious axe violation',
  () => {
    let t: TestServer;
    let browser: Browser;
    let owner: SignedUpUser;
    const problems: string[] = [];

    beforeAll(async () => {
      t = await startTestServer();
      browser = await launchBrowser();
      owner = await signUpOwner(t, 'layout');
      await owner.client.post('/skills', { slug: 'layout-check', name: 'Layout check', content: 'Some content.' });
    });
    afterAll(async () => {
      await browser?.close();
      await t?.close();
    });

    const check = async (page: Page, name: string, viewport: Viewport) => {
      await page.getByRole('heading', { level: 1 }).first().waitFor();
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), name).toBe(true);
      // The heading's text differs from what is behind it (the old phone layout drew it dark on dark).
      const heading = page.getByRole('heading', { level: 1 }).first();
      expect(await heading.isVisible()).toBe(true);
      expect(await seriousViolations(page), name).toEqual([]);
      await screenshot(page, `${name}-${viewport.width}`);
    };

    it.each([
      ['desktop', desktop],
      ['phone', phone],
    ])(
      '%s',
      async (_, viewport) => {
        const { context, page } = await openPage(browser, problems, viewport);
        await page.goto(`${t.server.url}/console/sign-in`);
        await check(page, 'sign-in', viewport);
        await page.goto(`${t.server.url}/console/sign-up`);
        await check(page, 'sign-up', viewport);
        await page.goto(`${t.server.url}/console/sign-in`);
        await page.getByLabel('Workspace').fill('layout');
        await page.getByLabel('Email').fill(owner.email);
        await page.getByLabel('Password').fill(owner.password);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.getByRole('heading', { name: 'Skills' }).waitFor();
        const menu = page.getByRole('button', { name: 'Menu' });
        const nav = page.getByRole('navigation', { name: 'Console' });
        if (viewport === phone) {
          expect(await nav.isVisible()).toBe(false);
          await menu.click();
          expect(await menu.getAttribute('aria-expanded')).toBe('true');
          expect(await nav.isVisible()).toBe(true);
          await nav.getByRole('link', { name: 'Settings' }).click();
          await page.getByRole('heading', { name: 'Settings' }).waitFor();
          expect(await nav.isVisible()).toBe(false);
        } else {
          expect(await menu.isVisible()).toBe(false);
          expect(await nav.isVisible()).toBe(true);
        }
        for (const path of pages) {
          await page.goto(`${t.server.url}/console${path}`);
          await check(page, path.slice(1).replaceAll('/', '-'), viewport);
          expect(await page.title()).toMatch(/ · Skillhub$/);
        }
        await context.close();
        expect(problems).toEqual([]);
      },
      120_000,
    );
  },
);
