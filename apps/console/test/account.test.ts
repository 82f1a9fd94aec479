import { currentTotp } from '@skillhub/core';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIn } from '../../api/test/support/identity.ts';
import { signUpOwner, startTestServer, type TestServer } from '../../api/test/support/test-server.ts';
import { desktop, launchBrowser, openPage, phone, runnable } from './support/browser.ts';
import { checkPage, signInThroughForm } from './support/page-checks.ts';

/**
 * One's own account in Chromium at desktop and phone sizes: a new
 * password, two-factor enrolment from the QR code's secret with a TOTP code
 * computed here, recovery codes shown once and used to sign in, turning
 * two-factor off, and ending one's own other session after confirming.
 */
describe.skipIf(!runnable)('your own account in the console', () => {
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

  it.each([
    ['desktop', desktop],
    ['phone', phone],
  ])(
    'at %s size: password, MFA enrolment with a generated code, recovery codes, MFA off, own sessions',
    async (size, viewport) => {
      const workspace = `self-${size}`;
      const owner = await signUpOwner(t, workspace, `sam@${workspace}.test`);
      const newPassword = 'an even longer passphrase';
      const { context, page } = await openPage(browser, problems, viewport);
      await signInThroughForm(page, t.server.url, { workspace, email: owner.email, password: owner.password });
      await page.goto(`${t.server.url}/console/account`);
      await checkPage(page, `account-${size}`, viewport);

      await page.getByLabel('Current password').fill(owner.password);
      await page.getByLabel('New password').fill(newPassword);
      await page.getByRole('button', { name: 'Change password' }).click();
      await page.getByText(/^Password changed\./).waitFor();
      expect((await signIn(t.client.fork(), owner.email, owner.password, workspace)).status).toBe(401);

      await page.getByRole('button', { name: 'Set up two-factor' }).click();
      const qr = page.getByRole('img', { name: 'QR code of your two-factor secret' });
      await qr.waitFor();
      // Drawn here, not fetched: a data URL of an SVG.
      expect(await qr.getAttribute('src')).toMatch(/^data:image\/svg\+xml;/);
      const secret = (await page.getByTestId('mfa-secret').textContent()) ?? '';
      expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
      await checkPage(page, `account-mfa-setup-${size}`, viewport);
      // A wrong code is refused and nothing turns on.
      await page.getByLabel('Code from the app').fill('000000');
      await page.getByRole('button', { name: 'Turn on two-factor' }).click();
      await page.getByRole('alert').waitFor();
      await page.getByLabel('Code from the app').fill(currentTotp(secret));
      await page.getByRole('button', { name: 'Turn on two-factor' }).click();
      const codes = page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem');
      await codes.first().waitFor();
      const recoveryCodes = await codes.allTextContents();
      expect(recoveryCodes.length).toBeGreaterThanOrEqual(8);
      await checkPage(page, `account-recovery-codes-${size}`, viewport);
      await page.getByRole('button', { name: 'I have saved them' }).click();
      await page.getByText('Signing in asks for a code from your authenticator app.').waitFor();
      // Shown once: a reload does not show them again.
      await page.reload();
      await page.getByText('Signing in asks for a code from your authenticator app.').waitFor();
      expect(await page.getByRole('list', { name: 'Recovery codes' }).count()).toBe(0);

      // Another browser signs in with the new password and a recovery code at the second step.
      const other = await openPage(browser, problems, viewport);
      await other.page.goto(`${t.server.url}/console/sign-in`);
      await other.page.getByLabel('Workspace').fill(workspace);
      await other.page.getByLabel('Email').fill(owner.email);
      await other.page.getByLabel('Password').fill(newPassword);
      await other.page.getByRole('button', { name: 'Sign in' }).click();
      await other.page.getByLabel('Code').fill(recoveryCodes[0] ?? '');
      await other.page.getByRole('button', { name: 'Verify' }).click();
      await other.page.getByRole('heading', { name: 'Skills' }).waitFor();

      // Off again, with the password and another recovery code, after confirming.
      await page.locator('input[name="disablePassword"]').fill(newPassword);
      await page.getByLabel('Code from the app (or a recovery code)').fill(recoveryCodes[1] ?? '');
      await page.getByRole('button', { name: 'Turn off two-factor…' }).click();
      await page
        .getByRole('dialog', { name: 'Turn two-factor authentication off?' })
        .getByRole('button', { name: 'Turn off' })
        .click();
      await page.getByRole('button', { name: 'Set up two-factor' }).waitFor();
      const me = await signIn(t.client.fork(), owner.email, newPassword, workspace);
      expect(me.body.mfaRequired).toBe(false);

      // Turning MFA off ended the other browser's session; sign it in again and end it from the sessions page.
      await signInThroughForm(other.page, t.server.url, { workspace, email: owner.email, password: newPassword });
      await page.goto(`${t.server.url}/console/sessions`);
      const table = page.getByRole('table', { name: 'Your sessions' });
      const others = table.locator('tbody tr:not(.current)', { hasText: /Chrome on/ });
      await others.first().waitFor();
      expect(await table.locator('th[scope="col"]').allTextContents()).toEqual([
        'Device',
        'IP',
        'Signed in',
        'Last active',
        'Expires',
        'Actions',
      ]);
      const before = await table.locator('tbody tr').count();
      await others.first().getByRole('button', { name: 'End' }).click();
      const dialog = page.getByRole('dialog', { name: /^End the session on Chrome on/ });
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      expect(await table.locator('tbody tr').count()).toBe(before);
      await others.first().getByRole('button', { name: 'End' }).click();
      await checkPage(page, `sessions-end-dialog-${size}`, viewport);
      await dialog.getByRole('button', { name: 'End session' }).click();
      await expect.poll(() => table.locator('tbody tr').count()).toBe(before - 1);
      await other.page.goto(`${t.server.url}/console/skills`);
      await other.page.getByTestId('session-ended').waitFor();
      await other.context.close();
      await context.close();
      expect(problems).toEqual([]);
    },
    150_000,
  );
});
