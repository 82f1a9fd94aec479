// "Verify this event" on the audit page: the inclusion proof and the checkpoint signature checked in
// Chromium with WebCrypto; then the same with the server's answers tampered on the way (route interception).
import { checkpointSigner } from '@skillhub/core';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type SignedUpUser,
  signUpOwner,
  startTestServer,
  type TestServer,
} from '../../api/test/support/test-server.ts';
import { launchBrowser, openPage, runnable, screenshot } from './support/browser.ts';

describe.skipIf(!runnable)('verifying an audit event in the browser', () => {
  let t: TestServer;
  let browser: Browser;
  let owner: SignedUpUser;
  const problems: string[] = [];

  beforeAll(async () => {
    t = await startTestServer();
    browser = await launchBrowser();
    owner = await signUpOwner(t, 'proofs');
    const created = await owner.client.post('/skills', {
      name: 'Proof reader',
      slug: 'proof-reader',
      description: 'Reads proofs.',
      content: 'Check every step.',
    });
    expect(created.status).toBe(201);
    // Seal and sign, as the server's sealer does every few seconds.
    expect(await t.db.sealCommittedAuditEvents()).toBe(true);
    await t.db.signAuditCheckpoints(checkpointSigner(t.config));
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  async function auditPage(): Promise<Page> {
    const { page } = await openPage(browser, problems);
    await page.goto(`${t.server.url}/console/sign-in`);
    await page.getByLabel('Workspace').fill('proofs');
    await page.getByLabel('Email').fill(owner.email);
    await page.getByLabel('Password').fill(owner.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Skills' }).waitFor();
    await page.goto(`${t.server.url}/console/audit`);
    const event = page.locator('.timeline-event[data-action="skill.created"]');
    await event.getByRole('button', { name: 'Details' }).click();
    return page;
  }

  const verdictOf = async (page: Page) => {
    const proof = page.locator('.timeline-event[data-action="skill.created"]').getByTestId('event-proof');
    await proof.getByRole('button', { name: /Verify/ }).click();
    await expect.poll(() => proof.textContent(), { timeout: 15_000 }).toMatch(/Verified|failed|not|could/);
    return { text: (await proof.textContent()) ?? '', className: (await proof.getAttribute('class')) ?? '' };
  };

  it('shows a good proof as verified, with the key it was checked with', async () => {
    const page = await auditPage();
    const keys = (
      await t.client.get<{ keys: { vkey: string; key_id: string; key_name: string }[] }>(
        '/.well-known/skillhub/checkpoint-keys',
      )
    ).body.keys;
    const { text, className } = await verdictOf(page);
    expect(className).toContain('verified');
    expect(text).toMatch(/✔ Verified in this browser: leaf \d+ of the tree of \d+ events/);
    expect(text).toContain(`${keys[0]?.key_name}+${keys[0]?.key_id}`);
    expect(text).toContain(keys[0]?.vkey);
    await screenshot(page, 'audit-event-verified', false);
    await page.context().close();
  });

  it('shows a tampered canonical text as a failure', async () => {
    const page = await auditPage();
    await page.route('**/audit/events/*/proof*', async (route) => {
      const response = await route.fetch();
      const body = (await response.json()) as { canonical: string };
      body.canonical = body.canonical.replace('skill.created', 'skill.deleted');
      await route.fulfill({ response, json: body });
    });
    const { text, className } = await verdictOf(page);
    expect(className).toContain('failed');
    expect(text).toContain('Verification failed (edited)');
    await screenshot(page, 'audit-event-tampered', false);
    await page.context().close();
  });

  it('shows a checkpoint re-signed by a key the server does not publish as a failure', async () => {
    const page = await auditPage();
    await page.route('**/.well-known/skillhub/checkpoint-keys', async (route) => {
      // Publish a different key under the same name: the checkpoint's signature is then by no published key.
      const response = await route.fetch();
      const body = (await response.json()) as { keys: { vkey: string; public_key: string; key_id: string }[] };
      const [key] = body.keys;
      if (key) {
        const other = await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']);
        const raw = new Uint8Array(await crypto.subtle.exportKey('raw', (other as CryptoKeyPair).publicKey));
        const name = key.vkey.split('+')[0] as string;
        const idInput = Buffer.concat([Buffer.from(`${name}\n`), Buffer.of(1), raw]);
        const id = Buffer.from(await crypto.subtle.digest('SHA-256', idInput))
          .subarray(0, 4)
          .toString('hex');
        key.vkey = `${name}+${id}+${Buffer.concat([Buffer.of(1), raw]).toString('base64')}`;
        key.public_key = Buffer.from(raw).toString('base64');
        key.key_id = id;
      }
      await route.fulfill({ response, json: body });
    });
    const { text } = await verdictOf(page);
    expect(text).toContain('Verification failed (unknown-key)');
    await page.context().close();
  });

  it('logged no page error', () => {
    expect(problems).toEqual([]);
  });
});
