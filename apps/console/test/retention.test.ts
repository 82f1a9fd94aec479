import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type SignedUpUser,
  signUpOwner,
  startTestServer,
  type TestServer,
} from '../../api/test/support/test-server.ts';
import { desktop, launchBrowser, openPage, phone, runnable } from './support/browser.ts';
import { checkPage, signInThroughForm } from './support/page-checks.ts';

/**
 * An owner runs the workspace's audit retention from the console, in
 * Chromium: a policy below the deployment's minimum is refused on the
 * page, a valid one saved; a hold placed and released with a reason; a
 * past removal listed with its signed record. Each state passes axe.
 */
describe.skipIf(!runnable)('retention in the console', () => {
  let t: TestServer;
  let browser: Browser;
  let owner: SignedUpUser;
  const problems: string[] = [];

  beforeAll(async () => {
    t = await startTestServer();
    browser = await launchBrowser();
    owner = await signUpOwner(t, 'keeping', 'kim@keeping.test');
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('sets the policy, places and releases a hold, and lists a removal with its signed record', async () => {
    const { context, page } = await openPage(browser, problems, desktop);
    await signInThroughForm(page, t.server.url, { workspace: 'keeping', ...owner });
    await page.getByRole('link', { name: 'Retention' }).click();
    await page.getByTestId('no-removals').waitFor();
    await checkPage(page, 'retention-empty', desktop);
    expect(await page.getByTestId('retention-policy').textContent()).toMatch(/kept forever/);

    await page.getByLabel('Days to keep').fill('3');
    await page.getByRole('button', { name: 'Save policy' }).click();
    await expect.poll(() => page.getByRole('alert').first().textContent()).toMatch(/at least 30/);
    await page.getByLabel('Days to keep').fill('45');
    await page.getByRole('button', { name: 'Save policy' }).click();
    await expect.poll(() => page.getByTestId('retention-policy').textContent()).toMatch(/older than 45 days/);

    await page.getByLabel('Reason', { exact: true }).fill('matter 7');
    await page.getByRole('button', { name: 'Place hold' }).click();
    await page.getByRole('table', { name: 'Legal holds' }).waitFor();
    expect(await page.getByRole('table', { name: 'Legal holds' }).textContent()).toContain('matter 7');
    await page.getByLabel('Reason for a release').fill('matter closed');
    await page.getByRole('button', { name: 'Release hold on the whole workspace' }).click();
    await page.getByRole('button', { name: 'Release hold', exact: true }).click();
    await expect
      .poll(() => page.getByRole('table', { name: 'Legal holds' }).textContent())
      .toContain('released: matter closed');

    // A removal, as the server's loop would make it, over events aged past the policy.
    await t.testDb.ownerQuery(`begin; set local session_replication_role = replica;
      update audit_logs set created_at = now() - interval '90 days' where tenant_id = '${owner.tenantId}';
      commit;`);
    const { runRetention } = await import('@skillhub/core');
    await t.db.sealCommittedAuditEvents();
    const [outcome] = await runRetention(t.db, t.config, [owner.tenantId]);
    expect(outcome?.status).toBe('removed');
    await page.reload();
    await page.getByRole('table', { name: 'Retention records' }).waitFor();
    const records = await page.getByRole('table', { name: 'Retention records' }).textContent();
    expect(records).toContain(`0–${(outcome?.endLeaf ?? 0) - 1}`);
    await checkPage(page, 'retention', desktop);
    // The audit trail's chain banner says where the removed leaves went, and a verification still passes.
    await page.goto(`${t.server.url}/console/audit`);
    await expect
      .poll(() => page.getByTestId('chain-removed').textContent())
      .toContain(`(0–${(outcome?.endLeaf ?? 0) - 1}) removed by the retention policy`);
    await page.getByRole('button', { name: 'Verify now' }).click();
    await expect.poll(() => page.getByTestId('chain-status').getAttribute('data-state')).toBe('intact');
    await checkPage(page, 'audit-after-retention', desktop);
    await context.close();

    const small = await openPage(browser, problems, phone);
    await signInThroughForm(small.page, t.server.url, { workspace: 'keeping', ...owner });
    await small.page.goto(`${t.server.url}/console/retention`);
    await small.page.getByRole('table', { name: 'Retention records' }).waitFor();
    await checkPage(small.page, 'retention', phone);
    await small.context.close();
    expect(problems).toEqual([]);
  });
});
