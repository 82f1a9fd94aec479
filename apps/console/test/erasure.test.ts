import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inviteUser } from '../../api/test/support/identity.ts';
import {
  type SignedUpUser,
  signUpOwner,
  startTestServer,
  type TestServer,
} from '../../api/test/support/test-server.ts';
import { desktop, launchBrowser, openPage, phone, runnable } from './support/browser.ts';
import { checkPage, signInThroughForm } from './support/page-checks.ts';

/**
 * Erasing a person from the console, in Chromium at desktop and phone
 * sizes: an admin looks the person up, reads the dry run (refused while
 * they are an active member), and after deactivation erases them through
 * the confirmation dialog; the audit trail then shows their fields as
 * erased and their address nowhere. Every step is checked for overflow and
 * axe violations.
 */
describe.skipIf(!runnable)('erasing a person from the console', () => {
  let t: TestServer;
  let owner: SignedUpUser;
  const problems: string[] = [];
  const slug = 'shred';

  beforeAll(async () => {
    t = await startTestServer();
    owner = await signUpOwner(t, slug, 'olga@shred.test');
  });
  afterAll(() => t?.close());

  it.each([
    ['desktop', desktop],
    ['phone', phone],
  ])('looks up, dry-runs and erases at %s size', async (size, viewport) => {
    const email = `erin.${size}@shred.test`;
    const erin = await inviteUser(t, owner, slug, email);
    const browser = await launchBrowser();
    try {
      const { page } = await openPage(browser, problems, viewport);
      await signInThroughForm(page, t.server.url, { workspace: slug, email: owner.email, password: owner.password });
      await page.goto(`${t.server.url}/console/erasure`);
      await page.getByLabel('User id or email address').fill(email);
      await page.getByRole('button', { name: 'See what would be erased' }).click();
      const dryRun = page.getByRole('region', { name: 'What would be erased' });
      await dryRun.waitFor();
      expect(await dryRun.textContent()).toContain(`user:${erin.userId}`);
      await page.getByText('still an active member').waitFor();
      expect(await page.getByRole('button', { name: 'Erase for good' }).count()).toBe(0);
      await checkPage(page, `erasure-dry-run-${size}`, viewport);

      expect((await owner.client.post(`/users/${erin.userId}/deactivate`)).status).toBe(200);
      await page.getByRole('button', { name: 'See what would be erased' }).click();
      await page.getByRole('button', { name: 'Erase for good' }).click();
      const dialog = page.getByRole('dialog', { name: 'Erase this person’s data?' });
      await checkPage(page, `erasure-confirm-${size}`, viewport);
      await dialog.getByRole('button', { name: 'Erase for good' }).click();
      await page.getByRole('region', { name: 'What was erased' }).waitFor();
      await checkPage(page, `erasure-done-${size}`, viewport);

      await page.goto(`${t.server.url}/console/audit`);
      await page.getByRole('heading', { level: 1 }).first().waitFor();
      await page.waitForLoadState('networkidle');
      const trail = (await page.locator('main').textContent()) ?? '';
      expect(trail).not.toContain(email);
    } finally {
      await browser.close();
    }
    expect(problems).toEqual([]);
  });
});
