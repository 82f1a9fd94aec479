import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkIn } from '../../api/test/support/mail-inbox.ts';
import { signUpByMail, startTestServer, type TestServer } from '../../api/test/support/test-server.ts';
import { launchBrowser, openPage, runnable, screenshot } from './support/browser.ts';

const owner = { workspace: 'Acme Labs', slug: 'acme-labs', name: 'Ada Owner', email: 'ada@acme.test' };
const password = 'correct horse battery staple';
const skill = {
  name: 'Release notes writer',
  slug: 'release-notes-writer',
  content: 'Summarise the merged pull requests into release notes, grouped by area, in plain words.',
};

describe.skipIf(!runnable)('the console in a real browser', () => {
  let t: TestServer;
  let browser: Browser;
  /** What the pages logged as errors: uncaught exceptions, CSP violations, React warnings. */
  const problems: string[] = [];

  const newPage = () => openPage(browser, problems, { width: 1280, height: 860 });

  beforeAll(async () => {
    t = await startTestServer();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('signs up, writes a skill, finds it, and shows the audit timeline and security activity', async () => {
    const { context, page } = await newPage();
    const nav = page.getByRole('navigation', { name: 'Console' });

    await page.goto(`${t.server.url}/`);
    await expect.poll(() => new URL(page.url()).pathname).toBe('/console/sign-in');
    await page.getByRole('link', { name: 'Create a workspace' }).click();
    await page.getByLabel('Workspace name').fill(owner.workspace);
    expect(await page.getByLabel('Workspace address').inputValue()).toBe(owner.slug);
    await page.getByLabel('Your name').fill(owner.name);
    await page.getByLabel('Email').fill(owner.email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Create workspace' }).click();
    await page.getByRole('heading', { name: 'Check your email' }).waitFor();
    await screenshot(page, 'check-email');
    // The link from the mail the server sent (through real SMTP), opened on this server.
    const link = linkIn(await t.inbox.waitFor(owner.email, /^Confirm/), '/verify-email');
    await page.goto(`${t.server.url}${link.pathname}${link.search}`);
    await page.getByRole('heading', { name: 'Skills' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/console/skills');
    await expect.poll(() => page.locator('.sidebar').textContent()).toContain(owner.workspace);

    await page.getByRole('main').getByRole('link', { name: 'New skill' }).click();
    await page.getByLabel('Name', { exact: true }).fill(skill.name);
    expect(await page.getByLabel('Slug').inputValue()).toBe(skill.slug);
    await page.getByLabel('Description').fill('Turns merged work into readable release notes.');
    await page.getByLabel('Tags').fill('writing, release');
    await page.getByLabel('Content').fill(skill.content);
    await page.getByRole('button', { name: 'Create skill' }).click();
    await page.getByRole('heading', { name: skill.name }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/console/skills/${skill.slug}`);
    await page.getByText(skill.content).waitFor();

    await page.getByRole('button', { name: 'Rate 4 of 5' }).click();
    await expect.poll(() => page.getByTestId('rating-summary').textContent()).toBe('4.0 from 1');
    await page.getByRole('button', { name: 'Copy & record use' }).click();
    await expect.poll(() => page.getByTestId('usage-total').textContent()).toBe('1');
    await page.getByRole('button', { name: 'v1' }).waitFor();
    await screenshot(page, 'skill');

    await nav.getByRole('link', { name: 'Skills' }).click();
    const skills = page.getByRole('list', { name: 'Skills' });
    await skills.getByRole('link', { name: skill.name }).waitFor();
    await page.getByRole('button', { name: '#writing' }).click();
    await expect.poll(() => new URL(page.url()).search).toBe('?tag=writing');
    await skills.getByRole('link', { name: skill.name }).waitFor();
    await page.getByLabel('Search skills').fill('pull requests');
    const results = page.getByRole('list', { name: 'Search results' });
    await results.getByRole('link', { name: skill.name }).waitFor();
    await results.locator('mark').first().waitFor();
    await screenshot(page, 'skills');

    await nav.getByRole('link', { name: 'Audit trail' }).click();
    await page.locator('.timeline-event[data-action="skill.created"]').waitFor();
    await page.getByTestId('chain-status').getByRole('button', { name: 'Verify now' }).click();
    await expect.poll(() => page.getByTestId('chain-status').textContent()).toContain('Hash chain verified');
    const created = page.locator('.timeline-event[data-action="skill.created"]');
    await expect.poll(() => created.locator('.actor').textContent()).toBe(owner.name);
    expect(await created.locator('.resource').textContent()).toContain(skill.name);
    await screenshot(page, 'audit');

    await nav.getByRole('link', { name: 'Security activity' }).click();
    const events = page.getByRole('table', { name: 'Security events' });
    await events.locator('tr[data-type="login_success"]').first().waitFor();
    expect(await page.locator('.bar-row[data-type="login_success"] .value').textContent()).toBe('1');
    await screenshot(page, 'security');

    await nav.getByRole('link', { name: 'API keys' }).click();
    await page.getByLabel('Name').fill('CI agent');
    await page.getByRole('button', { name: 'Create key' }).click();
    expect(await page.getByTestId('new-api-key').textContent()).toMatch(/^sk_/);
    await page.getByRole('table', { name: 'API keys' }).getByText('CI agent').waitFor();
    await screenshot(page, 'api-keys');
    // The row action names its row for screen readers, not "Revoke" on every row.
    await page.getByRole('button', { name: 'Revoke CI agent', exact: true }).click();
    await page.getByRole('dialog', { name: 'Revoke “CI agent”?' }).getByRole('button', { name: 'Revoke key' }).click();
    await page.getByText(/^revoked /).waitFor();

    await nav.getByRole('link', { name: 'Sessions' }).click();
    await page.getByText('this browser').waitFor();
    await screenshot(page, 'sessions');

    await nav.getByRole('link', { name: 'Settings' }).click();
    await page.getByLabel('Failures per email').fill('7');
    const joinByDomain = page.getByLabel(/email domain join as a member/);
    expect(await joinByDomain.isChecked()).toBe(false);
    await joinByDomain.check();
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Saved: signUp.joinByDomain, throttle.maxFailuresPerEmail.').waitFor();
    await screenshot(page, 'settings');

    // A reload on a deep link is answered with the console, not the API's 404.
    await page.goto(`${t.server.url}/console/skills/${skill.slug}`);
    await page.getByRole('heading', { name: skill.name }).waitFor();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await screenshot(page, 'sign-in');
    await context.close();
    expect(problems).toEqual([]);
  }, 120_000);

  it('lets an invited member in through the mailed link, and hides admin pages from them', async () => {
    const { context, page } = await newPage();
    const boss = t.client.fork();
    const signUp = await signUpByMail(t, boss, {
      email: 'boss@beta.test',
      password,
      displayName: 'Boss',
      workspace: { name: 'Beta', slug: 'beta' },
    });
    expect(signUp.status).toBe(200);
    const invitation = await boss.post('/invitations', { email: 'mo@beta.test', role: 'member' });
    expect(invitation.status).toBe(201);

    const link = linkIn(await t.inbox.waitFor('mo@beta.test', /invited you/), '/accept-invitation');
    await page.goto(`${t.server.url}${link.pathname}${link.search}`);
    await page.getByLabel('Your name').fill('Mo Member');
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Join workspace' }).click();
    await page.getByRole('heading', { name: 'Skills' }).waitFor();
    await expect.poll(() => page.locator('.sidebar').textContent()).toContain('Beta');
    const links = await page.getByRole('navigation', { name: 'Console' }).getByRole('link').allTextContents();
    expect(links).toEqual(['Skills', 'New skill', 'Sessions', 'Settings', 'Account']);
    await page.goto(`${t.server.url}/console/audit`);
    await page.getByText('This page is for workspace admins and owners.').waitFor();
    await context.close();
    expect(problems).toEqual([]);
  });

  it('shows an API error as its message with the request id', async () => {
    const { context, page } = await newPage();
    await page.goto(`${t.server.url}/console/sign-in`);
    await page.getByLabel('Workspace').fill(owner.slug);
    await page.getByLabel('Email').fill(owner.email);
    await page.getByLabel('Password').fill('not the password at all');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/request [0-9a-f-]{36}$/);
    await context.close();
  });
});
