// The audit trail page in a real browser, at desktop and phone sizes: rows a
// person can read, a field-by-field diff, server-side filters and counts in
// the URL, the usage-noise toggle, an export of the filtered view, and the
// chain banner (not verified, verified, broken, failed), with no serious
// axe-core violation.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countAuditEvents } from '../../api/test/support/audit.ts';
import {
  type SignedUpUser,
  signUpOwner,
  startTestServer,
  type TestServer,
} from '../../api/test/support/test-server.ts';
import { desktop, launchBrowser, openPage, phone, runnable, screenshot, type Viewport } from './support/browser.ts';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(axeSource);
  const results = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run(): Promise<{ violations: { id: string; impact: string | null; nodes: { target: unknown[] }[] }[] }>;
        };
      }
    ).axe;
    return (await axe.run()).violations;
  });
  return results
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`);
}

type Counts = Record<string, number>;

describe.skipIf(!runnable)('the audit trail, read by a person', () => {
  let t: TestServer;
  let browser: Browser;
  let owner: SignedUpUser;
  const problems: string[] = [];

  beforeAll(async () => {
    t = await startTestServer();
    browser = await launchBrowser();
    owner = await signUpOwner(t, 'trail');
    await t.testDb.ownerQuery(`update users set display_name = 'Ada Admin' where id = $1`, [owner.userId]);
    await owner.client.post('/api-keys', { name: 'deploy robot', scopes: ['skills:read'] });
    await owner.client.post('/skills', { slug: 'brief-writer', name: 'Brief writer', content: 'Write briefs.' });
    await owner.client.patch('/skills/brief-writer', { description: 'Writes one-page briefs' });
    for (let i = 0; i < 4; i++) await owner.client.post('/skills/brief-writer/usage', { source: 'cli' });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  const signIn = async (page: Page, who: SignedUpUser, workspace: string) => {
    await page.goto(`${t.server.url}/console/sign-in`);
    await page.getByLabel('Workspace').fill(workspace);
    await page.getByLabel('Email').fill(who.email);
    await page.getByLabel('Password').fill(who.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Skills' }).waitFor();
  };

  const serverCounts = async (query: string) =>
    (await owner.client.get<{ counts: Counts }>(`/audit-events?limit=1&${query}`)).body.counts;

  it.each([
    ['desktop', desktop],
    ['phone', phone],
  ])(
    '%s: readable rows, a diff, filters with server counts, the noise toggle and an export',
    async (name, viewport: Viewport) => {
      const { context, page } = await openPage(browser, problems, viewport);
      await signIn(page, owner, 'trail');
      const verifiedBefore = await countAuditEvents(t, owner.tenantId, 'audit.verified');
      await page.goto(`${t.server.url}/console/audit`);
      const banner = page.getByTestId('chain-status');
      await expect.poll(() => banner.getAttribute('data-state'), { timeout: 15_000 }).toMatch(/^(pending|intact)$/);

      // Who did what to what: names, not ids.
      const created = page.locator('.timeline-event[data-action="api_key.created"]').first();
      await created.waitFor();
      expect(await created.locator('.sentence').textContent()).toBe('Ada Admin created the API key deploy robot');
      expect(await created.locator('.event-meta').textContent()).toMatch(/ago|now/);
      const skill = page.locator('.timeline-event[data-action="skill.created"]').first();
      expect(await skill.getByRole('link', { name: 'Brief writer' }).getAttribute('href')).toMatch(
        /^\/console\/skills\/[0-9a-f-]{36}$/,
      );

      // The update as a diff: only the changed field, old → new.
      const update = page.locator('.timeline-event[data-action="skills.update"]').first();
      await update.getByRole('button', { name: 'Details' }).click();
      const diff = update.getByRole('table', { name: 'Changed fields' });
      const description = diff.locator('tr[data-field="description"]');
      expect(await description.locator('td.new').textContent()).toBe('Writes one-page briefs');
      expect(await description.locator('td.old').textContent()).toBe('');
      expect(await update.getByRole('button', { name: /^Copy event/ }).count()).toBe(1);

      // Usage inserts hidden by default, with a visible toggle.
      expect(await page.locator('.timeline-event[data-action="usage_events.insert"]').count()).toBe(0);
      const counts = await serverCounts('hideUsage=true');
      const chip = page.locator('.legend-item[data-family="people"]');
      await expect.poll(() => chip.locator('.count').textContent()).toBe(String(counts.people));
      await page.getByLabel('Show skill-usage row changes').check();
      await page.locator('.timeline-event[data-action="usage_events.insert"]').first().waitFor();
      expect(new URL(page.url()).searchParams.get('usage')).toBe('show');
      expect(await page.locator('.timeline-event[data-action="usage_events.insert"]').count()).toBe(4);
      await page.getByLabel('Show skill-usage row changes').uncheck();
      await expect.poll(() => page.locator('.timeline-event[data-action="usage_events.insert"]').count()).toBe(0);

      // A family chip filters on the server; the counts are the server's, for the whole ledger.
      await chip.click();
      await expect.poll(() => new URL(page.url()).searchParams.get('family')).toBe('people');
      await expect
        .poll(() => page.getByTestId('audit-total').textContent())
        .toMatch(new RegExp(`^${counts.people} events? match`));
      const actions = await page
        .locator('.timeline-event')
        .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-action') ?? ''));
      expect(actions.length).toBe(counts.people);
      expect(actions.every((a) => /^(user|invitation|api_key)\./.test(a))).toBe(true);

      // Full text, applied with the form; the URL holds the whole view, so it can be shared.
      // On a phone the form starts folded behind its summary.
      const form = page.locator('details.filter-panel');
      expect(await form.evaluate((d) => (d as HTMLDetailsElement).open)).toBe(viewport === desktop);
      if (viewport === phone) await form.locator('summary').click();
      await page.getByLabel('Search').fill('deploy robot');
      await page.getByRole('button', { name: 'Apply filters' }).click();
      await expect.poll(() => new URL(page.url()).searchParams.get('q')).toBe('deploy robot');
      await expect.poll(() => page.locator('.timeline-event').count()).toBe(1);
      const shared = page.url();
      const second = await context.newPage();
      await second.goto(shared);
      await second.locator('.timeline-event[data-action="api_key.created"]').waitFor();
      await expect.poll(() => second.locator('.timeline-event').count()).toBe(1);
      await second.close();

      // Export of the filtered view.
      const download = page.waitForEvent('download');
      await page.getByRole('link', { name: 'CSV' }).click();
      const file = await (await download).path();
      const csv = readFileSync(file, 'utf8').trim().split('\r\n');
      expect(csv[0]).toMatch(/^id,created_at,/);
      expect(csv.slice(1).some((line) => line.includes('api_key.created'))).toBe(true);
      expect(csv.slice(1).every((line) => line.includes('deploy robot'))).toBe(true);

      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
      expect(await seriousViolations(page)).toEqual([]);
      await screenshot(page, `audit-trail-filtered-${viewport.width}`);

      await page.goto(`${t.server.url}/console/audit`);
      await page.locator('.timeline-event').first().waitFor();
      await page
        .locator('.timeline-event[data-action="skills.update"]')
        .first()
        .getByRole('button', { name: 'Details' })
        .click();
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
      expect(await seriousViolations(page)).toEqual([]);
      await screenshot(page, `audit-trail-${viewport.width}`);

      // Viewing the page, however often, wrote no verification.
      expect(await countAuditEvents(t, owner.tenantId, 'audit.verified')).toBe(verifiedBefore);
      await context.close();
      expect(problems, name).toEqual([]);
    },
    120_000,
  );

  it.each([
    ['desktop', desktop],
    ['phone', phone],
  ])(
    '%s: the chain banner verifies on demand, shows a break once, and a failed request with a retry',
    async (_, viewport: Viewport) => {
      const tenant = `chain-${viewport.width}`;
      const admin = await signUpOwner(t, tenant);
      await admin.client.post('/api-keys', { name: 'one', scopes: ['skills:read'] });
      const { context, page } = await openPage(browser, problems, viewport);
      await signIn(page, admin, tenant);

      // Failed: the status request fails; the banner says so and offers a retry, which works.
      await page.route('**/audit/status', (route) => route.abort());
      await page.goto(`${t.server.url}/console/audit`);
      const banner = page.getByTestId('chain-status');
      await expect.poll(() => banner.getAttribute('data-state'), { timeout: 15_000 }).toBe('failed');
      expect(await banner.textContent()).toContain('could not be read');
      await page.unroute('**/audit/status');
      await banner.getByRole('button', { name: 'Retry' }).click();
      await expect.poll(() => banner.getAttribute('data-state'), { timeout: 15_000 }).toBe('pending');
      expect(await banner.textContent()).toContain('Not verified yet');

      // Verified on demand: one audit.verified event.
      expect(await t.db.sealCommittedAuditEvents(40_000)).toBe(true);
      await banner.getByRole('button', { name: 'Verify now' }).click();
      await expect.poll(() => banner.getAttribute('data-state'), { timeout: 15_000 }).toBe('intact');
      expect(await banner.textContent()).toContain('Hash chain verified');
      expect(await countAuditEvents(t, admin.tenantId, 'audit.verified')).toBe(1);

      // Broken: the database owner turns the append-only trigger off and edits a sealed event.
      const target = await t.testDb.ownerQuery<{ event_id: string }>(
        'select event_id from audit.seals where chain = $1 order by position limit 1 offset 1',
        [admin.tenantId],
      );
      const eventId = target.rows[0]?.event_id ?? '';
      await t.testDb.ownerQuery(
        `begin; alter table audit_logs disable trigger audit_logs_append_only;
         update audit_logs set metadata = '{"edited": true}' where id = '${eventId}';
         alter table audit_logs enable trigger audit_logs_append_only; commit;`,
      );
      await banner.getByRole('button', { name: 'Verify now' }).click();
      await expect.poll(() => banner.getAttribute('data-state'), { timeout: 15_000 }).toBe('broken');
      expect(await banner.textContent()).toContain(eventId);
      expect(await banner.textContent()).toContain('was changed after it was sealed');
      expect(await page.getByRole('alert').count()).toBe(1);

      // On the next visit the banner shows the last verdict without verifying again.
      await page.reload();
      await expect.poll(() => banner.getAttribute('data-state'), { timeout: 15_000 }).toBe('broken');
      expect(await banner.textContent()).toContain(eventId);
      expect(await page.getByRole('alert').count()).toBe(1);
      expect(await countAuditEvents(t, admin.tenantId, 'audit.verified')).toBe(2);
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
      expect(await seriousViolations(page)).toEqual([]);
      await screenshot(page, `audit-chain-broken-${viewport.width}`);
      await context.close();
    },
    120_000,
  );
});
