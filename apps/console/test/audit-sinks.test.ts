import { loadConfig } from '@skillhub/core';
import type { Browser } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type SignedUpUser,
  signUpOwner,
  startTestServer,
  type TestServer,
} from '../../api/test/support/test-server.ts';
import { waitUntil } from '../../api/test/support/wait-until.ts';
import { WebhookReceiver } from '../../api/test/support/webhook-receiver.ts';
import { desktop, launchBrowser, openPage, phone, runnable } from './support/browser.ts';
import { checkPage, signInThroughForm } from './support/page-checks.ts';

/**
 * An admin streams the audit trail to a webhook from the console, in
 * Chromium: adds the sink, copies the secret shown once, and the events the
 * server then delivers in the background verify with that secret; a test
 * message's answer and the delivery history show on the page.
 */
describe.skipIf(!runnable)('audit streams in the console', () => {
  let t: TestServer;
  let browser: Browser;
  let owner: SignedUpUser;
  let receiver: WebhookReceiver;
  const problems: string[] = [];

  beforeAll(async () => {
    // Delivery to this machine's receiver needs the operator's switch, off by default.
    const sinks = { ...loadConfig({}).sinks, allowPrivateNetwork: true, pollMs: 20 };
    t = await startTestServer({ sinks }, { background: true });
    browser = await launchBrowser();
    owner = await signUpOwner(t, 'streams', 'sam@streams.test');
    receiver = await WebhookReceiver.start();
  });
  afterAll(async () => {
    await browser?.close();
    await receiver?.close();
    await t?.close();
  });

  it('adds a webhook, shows the secret once, delivers signed events, tests it and shows the history', async () => {
    const { context, page } = await openPage(browser, problems, desktop);
    await signInThroughForm(page, t.server.url, { workspace: 'streams', ...owner });
    await page.getByRole('link', { name: 'Audit streams' }).click();
    await page.getByTestId('no-sinks').waitFor();
    await checkPage(page, 'audit-sinks-empty', desktop);
    await page.getByLabel('Name').fill('SIEM');
    await page.getByLabel('URL').fill(receiver.url);
    await page.locator('select[name="sinkFormat"]').selectOption('jsonl');
    await page.getByRole('button', { name: 'Add sink' }).click();
    const secret = (await page.getByTestId('new-sink-secret').textContent()) ?? '';
    expect(secret).toMatch(/^whsec_/);

    // The server delivers what is sealed (the sign-up and the sink's own creation among it) in the background.
    await waitUntil(
      'a batch delivered',
      () => receiver.received.some((hook) => hook.body.includes('"audit.events"')),
      20_000,
    );
    const batch = receiver.received.find((hook) => hook.body.includes('"audit.events"'));
    const verified = new Webhook(secret).verify(batch?.body ?? '', batch?.headers ?? {}) as {
      data: { first_leaf: number; events: { leaf_index: number }[] };
    };
    expect(verified.data.first_leaf).toBe(0);

    await page.getByRole('button', { name: 'Test' }).click();
    await expect
      .poll(() => page.getByTestId('sink-test-result').textContent())
      .toMatch(/^SIEM answered 204 in \d+ ms$/);
    await page.getByRole('table', { name: 'Deliveries to SIEM' }).waitFor();
    const history = await page.getByRole('table', { name: 'Deliveries to SIEM' }).textContent();
    expect(history).toContain('test');
    expect(history).toContain('204');
    // The history has no action column; the sinks' list has one, named for screen readers.
    expect(
      await page.getByRole('table', { name: 'Deliveries to SIEM' }).locator('th[scope="col"]').allTextContents(),
    ).toEqual(['When', 'Leaves', 'Answer', 'Latency']);
    expect(await page.getByRole('table', { name: 'Audit sinks' }).locator('th[scope="col"]').allTextContents()).toEqual(
      ['Name', 'URL', 'State', 'Delivered through', 'Lag', 'Actions'],
    );
    await page.reload();
    await page.getByRole('table', { name: 'Audit sinks' }).waitFor();
    expect(await page.getByTestId('new-sink-secret').count()).toBe(0);
    await checkPage(page, 'audit-sinks', desktop);
    await context.close();

    const small = await openPage(browser, problems, phone);
    await signInThroughForm(small.page, t.server.url, { workspace: 'streams', ...owner });
    await small.page.goto(`${t.server.url}/console/streams`);
    await small.page.getByRole('table', { name: 'Audit sinks' }).waitFor();
    await checkPage(small.page, 'audit-sinks', phone);
    await small.context.close();
    expect(problems).toEqual([]);
  });
});
