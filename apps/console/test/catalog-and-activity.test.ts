import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIn } from '../../api/test/support/identity.ts';
import {
  type SignedUpUser,
  signUpOwner,
  startTestServer,
  type TestServer,
} from '../../api/test/support/test-server.ts';
import { desktop, launchBrowser, openPage, phone, runnable } from './support/browser.ts';
import { checkPage, signInThroughForm } from './support/page-checks.ts';

const skillCount = 120;

/**
 * The catalog past one page (120 skills: "Show more" until all are shown,
 * sorted by name) and security activity in words (event names and devices,
 * not snake_case and raw user agents), at desktop and phone sizes.
 */
describe.skipIf(!runnable)('a large catalog and readable security activity', () => {
  let t: TestServer;
  let browser: Browser;
  let owner: SignedUpUser;
  const slug = 'bulk';
  const problems: string[] = [];

  beforeAll(async () => {
    t = await startTestServer();
    browser = await launchBrowser();
    owner = await signUpOwner(t, slug, 'bo@bulk.test');
    for (let batch = 0; batch < skillCount; batch += 10) {
      await Promise.all(
        Array.from({ length: 10 }, (_, i) => {
          const n = String(skillCount - batch - i).padStart(3, '0');
          return owner.client.post('/skills', { slug: `skill-${n}`, name: `Skill ${n}`, content: `Body ${n}` });
        }),
      );
    }
    // A failed attempt, so the activity has more than sign-ins to name.
    await signIn(t.client.fork(), owner.email, 'not the password', slug);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it.each([
    ['desktop', desktop],
    ['phone', phone],
  ])(
    'at %s size',
    async (size, viewport) => {
      const { context, page } = await openPage(browser, problems, viewport);
      await signInThroughForm(page, t.server.url, { workspace: slug, email: owner.email, password: owner.password });

      const shown = page.getByTestId('skills-shown');
      const cards = page.getByRole('list', { name: 'Skills' }).getByRole('listitem');
      await expect.poll(() => shown.textContent()).toBe('Showing the first 50 skills');
      await page.getByRole('button', { name: 'Show more' }).click();
      await expect.poll(() => cards.count()).toBe(100);
      await page.getByRole('button', { name: 'Show more' }).click();
      await expect.poll(() => shown.textContent()).toBe(`All ${skillCount} skills shown`);
      expect(await cards.count()).toBe(skillCount);

      await page.getByLabel('Sort skills').selectOption('name');
      await expect.poll(() => new URL(page.url()).search).toBe('?sort=name');
      await expect.poll(() => cards.first().locator('.card-title').textContent()).toBe('Skill 001');
      await checkPage(page, `skills-sorted-${size}`, viewport);

      await page.goto(`${t.server.url}/console/security`);
      const events = page.getByRole('table', { name: 'Security events' });
      const signedIn = events.locator('tr[data-type="login_success"]').first();
      await signedIn.waitFor();
      expect(await signedIn.textContent()).toContain('Signed in');
      const failed = events.locator('tr[data-type="login_failed"]').first();
      expect(await failed.textContent()).toContain('Failed sign-in');
      const text = (await events.textContent()) ?? '';
      expect(text).not.toMatch(/login_success|login_failed|Mozilla\/5\.0/);
      expect(text).toMatch(/device: Chrome on (Linux|Android)/);
      await checkPage(page, `security-readable-${size}`, viewport);
      await context.close();
      expect(problems).toEqual([]);
    },
    120_000,
  );
});
