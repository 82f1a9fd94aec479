import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inviteUser } from '../../api/test/support/identity.ts';
import { linkIn } from '../../api/test/support/mail-inbox.ts';
import {
  type SignedUpUser,
  signUpOwner,
  startTestServer,
  type TestServer,
} from '../../api/test/support/test-server.ts';
import {
  desktop,
  launchBrowser,
  openPage,
  phone,
  runnable,
  type StorageState,
  type Viewport,
} from './support/browser.ts';
import { checkPage, signInThroughForm } from './support/page-checks.ts';

/**
 * Running a team from the console, in Chromium at desktop and phone sizes:
 * skills edited, published, compared, merged and deleted; people invited
 * by mail, promoted, deactivated and reactivated; the workspace's sessions
 * ended by an admin; API keys with an expiry; settings with their
 * defaults. Every destructive step goes through its confirmation dialog,
 * and every page is checked for overflow and axe violations.
 */
describe.skipIf(!runnable)('running a team from the console', () => {
  let t: TestServer;
  let browser: Browser;
  let owner: SignedUpUser;
  const slug = 'crew';
  const problems: string[] = [];

  beforeAll(async () => {
    t = await startTestServer();
    browser = await launchBrowser();
    owner = await signUpOwner(t, slug, 'olga@crew.test');
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  const url = (path: string) => `${t.server.url}/console${path}`;
  // Each person signs in through the form once per size (about a second
  // each); later pages at that size start from that session's cookies.
  const sessions = new Map<string, StorageState>();
  const signedInPage = async (viewport: Viewport, who: { email: string; password: string } = owner) => {
    const key = `${who.email} ${viewport.width}`;
    const known = sessions.get(key);
    if (known) return openPage(browser, problems, viewport, known);
    const opened = await openPage(browser, problems, viewport);
    await signInThroughForm(opened.page, t.server.url, { workspace: slug, ...who });
    sessions.set(key, await opened.context.storageState());
    return opened;
  };
  const confirmIn = (page: Page, title: string | RegExp, button: string) =>
    page.getByRole('dialog', { name: title }).getByRole('button', { name: button }).click();
  const newSkill = async (name: string, content: string, client = owner.client) => {
    const created = await client.post<{ id: string; slug: string }>('/skills', {
      slug: name.toLowerCase().replaceAll(' ', '-'),
      name,
      content,
    });
    expect(created.status).toBe(201);
    return created.body;
  };

  describe.each([
    ['desktop', desktop],
    ['phone', phone],
  ])('at %s size', (size, viewport) => {
    it('edits a skill, publishes a version and compares it with the last', async () => {
      const skill = await newSkill(`Standup notes ${size}`, 'Ask what was done.\nAsk what is next.\n');
      const { context, page } = await signedInPage(viewport);
      await page.goto(url(`/skills/${skill.slug}`));
      await page.getByRole('link', { name: 'Edit' }).click();
      await checkPage(page, `skill-edit-${size}`, viewport);
      await page.getByLabel('Name', { exact: true }).fill(`Daily standup ${size}`);
      await page.getByLabel('Tags').fill('meetings, team');
      await page.locator('select[name="visibility"]').selectOption('private');
      await page.getByRole('button', { name: 'Save details' }).click();
      await page.getByText('Details saved.').waitFor();
      const saved = await owner.client.get<{ name: string; tags: string[]; visibility: string }>(`/skills/${skill.id}`);
      expect(saved.body).toMatchObject({
        name: `Daily standup ${size}`,
        tags: ['meetings', 'team'],
        visibility: 'private',
      });

      // A refused field is named under that field, in words.
      await page.getByLabel('Tags').fill('Not A Valid Tag!');
      await page.getByRole('button', { name: 'Save details' }).click();
      await page.locator('.field-error[data-field="tags"]').waitFor();

      await page
        .locator('textarea[name="content"]')
        .fill('Ask what was done.\nAsk what blocks you.\nAsk what is next.\n');
      await page.getByLabel('Changelog').fill('Ask about blockers');
      await page.getByRole('button', { name: 'Publish version' }).click();
      await page.getByRole('heading', { name: `History of Daily standup ${size}` }).waitFor();
      expect(new URL(page.url()).pathname).toBe(`/console/skills/${skill.slug}/history`);
      await page.locator('.diff-added', { hasText: 'Ask what blocks you.' }).waitFor();
      expect(await page.locator('.diff-removed').count()).toBe(0);
      expect(await page.locator('figcaption').textContent()).toContain('v1 → v2');
      await page.getByText('Ask about blockers').waitFor();
      await checkPage(page, `skill-history-${size}`, viewport);
      await context.close();
      expect(problems).toEqual([]);
    }, 90_000);

    it('merges one skill into another and deletes a skill, each after confirming', async () => {
      const source = await newSkill(`Retro prompts ${size}`, 'What went well?');
      const target = await newSkill(`Retrospective ${size}`, 'What went well, and what did not?');
      const doomed = await newSkill(`Old checklist ${size}`, 'Outdated.');
      const { context, page } = await signedInPage(viewport);

      await page.goto(url(`/skills/${source.slug}`));
      await page.getByLabel('Merge into').selectOption({ label: `Retrospective ${size}` });
      await page.getByRole('button', { name: 'Merge…' }).click();
      // Cancelled: nothing happens.
      await page
        .getByRole('dialog', { name: `Merge “Retro prompts ${size}” into “Retrospective ${size}”?` })
        .getByRole('button', { name: 'Cancel' })
        .click();
      expect((await owner.client.get(`/skills/${source.id}`)).status).toBe(200);
      await page.getByRole('button', { name: 'Merge…' }).click();
      await confirmIn(page, /^Merge /, 'Merge skills');
      await page.getByRole('heading', { name: `Retrospective ${size}` }).waitFor();
      expect((await owner.client.get(`/skills/${source.id}`)).status).toBe(404);
      expect((await owner.client.get<{ latestVersion: number }>(`/skills/${target.id}`)).body.latestVersion).toBe(3);

      await page.goto(url(`/skills/${doomed.slug}`));
      await page.getByRole('button', { name: 'Delete skill…' }).click();
      const dialog = page.getByRole('dialog', { name: `Delete “Old checklist ${size}”?` });
      await dialog.waitFor();
      await checkPage(page, `skill-delete-dialog-${size}`, viewport);
      await dialog.getByRole('button', { name: 'Delete skill' }).click();
      await page.getByRole('heading', { name: 'Skills' }).waitFor();
      expect((await owner.client.get(`/skills/${doomed.id}`)).status).toBe(404);
      await context.close();
      expect(problems).toEqual([]);
    }, 90_000);

    it('invites by mail, the invitation is accepted in the browser, then role, deactivation and reactivation', async () => {
      const email = `nina-${size}@crew.test`;
      const { context, page } = await signedInPage(viewport);
      await page.goto(url('/people'));
      await checkPage(page, `people-${size}`, viewport);
      await page.getByLabel('Email').fill(email);
      await page.locator('select[name="inviteRole"]').selectOption('member');
      await page.getByRole('button', { name: 'Send invitation' }).click();
      await page.getByText(`Invitation mailed to ${email}.`).waitFor();
      await page.getByRole('table', { name: 'Pending invitations' }).getByText(email).waitFor();
      // Every heading is a column heading for a screen reader, the buttons' column named too.
      expect(await page.getByRole('table', { name: 'People' }).locator('th[scope="col"]').allTextContents()).toEqual([
        'Name',
        'Role',
        'Status',
        'Joined',
        'Actions',
      ]);
      expect(
        await page.getByRole('table', { name: 'Pending invitations' }).locator('th[scope="col"]').allTextContents(),
      ).toEqual(['Email', 'Role', 'Sent', 'Link expires', 'Actions']);

      // The link from the mail the SMTP receiver got, opened in another browser.
      const link = linkIn(await t.inbox.waitFor(email, /invited you/), '/accept-invitation');
      const invited = await openPage(browser, problems, viewport);
      await invited.page.goto(`${t.server.url}${link.pathname}${link.search}`);
      await invited.page.getByLabel('Your name').fill(`Nina ${size}`);
      await invited.page.getByLabel('Password').fill('a long enough password');
      await invited.page.getByRole('button', { name: 'Join workspace' }).click();
      await invited.page.getByRole('heading', { name: 'Skills' }).waitFor();
      await invited.context.close();

      await page.reload();
      const row = page.locator(`tr[data-email="${email}"]`);
      await row.waitFor();
      await page.getByTestId('no-invitations').waitFor();
      await row.getByLabel(`Role of Nina ${size}`).selectOption('admin');
      const idOf = async () =>
        (
          await owner.client.get<{ users: { id: string; email: string; role: string; isActive: boolean }[] }>('/users')
        ).body.users.find((u) => u.email === email);
      await expect.poll(async () => (await idOf())?.role).toBe('admin');

      await row.getByRole('button', { name: `Deactivate ${email}`, exact: true }).click();
      await confirmIn(page, `Deactivate Nina ${size}?`, 'Deactivate');
      await row.getByText('Deactivated').waitFor();
      expect((await idOf())?.isActive).toBe(false);
      await row.getByRole('button', { name: 'Reactivate' }).click();
      await row.getByText('Active').waitFor();
      expect((await idOf())?.isActive).toBe(true);

      // A second invitation, withdrawn: its link stops working.
      await page.getByLabel('Email').fill(`late-${size}@crew.test`);
      await page.getByRole('button', { name: 'Send invitation' }).click();
      const pending = page.getByRole('table', { name: 'Pending invitations' });
      await pending.getByText(`late-${size}@crew.test`).waitFor();
      // By keyboard: on a phone the button sits at the far end of a table that scrolls inside its box.
      await pending.getByRole('button', { name: 'Revoke' }).focus();
      await page.keyboard.press('Enter');
      await confirmIn(page, `Revoke the invitation to late-${size}@crew.test?`, 'Revoke invitation');
      await page.getByTestId('no-invitations').waitFor();
      await context.close();
      expect(problems).toEqual([]);
    }, 120_000);

    it('an admin ends a member’s session; the member is sent to sign-in with the reason', async () => {
      const member = await inviteUser(t, owner, slug, `max-${size}@crew.test`);
      const memberBrowser = await signedInPage(viewport, member);
      const { context, page } = await signedInPage(viewport);
      await page.goto(url('/workspace-sessions'));
      const table = page.getByRole('table', { name: 'Workspace sessions' });
      const rows = table.locator('tbody tr', { hasText: `max-${size}@crew.test` });
      await rows.first().waitFor();
      expect(await table.locator('th[scope="col"]').allTextContents()).toEqual([
        'Who',
        'Device',
        'IP',
        'Last active',
        'Signed in',
        'Actions',
      ]);
      // Who, device and IP are on the row.
      await checkPage(page, `workspace-sessions-${size}`, viewport);
      // Their browser's session (the other one is the test's own API client).
      const browserRow = rows.filter({ hasText: /Chrome on (Linux|Android)/ });
      expect(await browserRow.count()).toBe(1);
      expect(await browserRow.textContent()).toContain('127.0.0.1');
      const before = await rows.count();
      await browserRow.getByRole('button', { name: 'End' }).click();
      await confirmIn(page, `End max-${size}’s session?`, 'End session');
      await expect.poll(() => rows.count()).toBe(before - 1);

      // The member's next request is refused; the console says why at sign-in.
      await memberBrowser.page.goto(url('/skills'));
      await memberBrowser.page.getByTestId('session-ended').waitFor();
      await memberBrowser.context.close();
      await context.close();
      expect(problems).toEqual([]);
    }, 90_000);
  });

  it('a member sees only what their role allows, and the API refuses the rest', async () => {
    const member = await inviteUser(t, owner, slug, 'mel@crew.test');
    const theirs = await newSkill('Mels own', 'Mine.', member.client);
    const notTheirs = await newSkill('Owners skill', 'Not yours.');
    const { context, page } = await signedInPage(desktop, member);
    await page.goto(url(`/skills/${notTheirs.slug}`));
    await page.getByRole('link', { name: 'History' }).waitFor();
    expect(await page.getByRole('link', { name: 'Edit' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Delete skill…' }).count()).toBe(0);
    expect((await member.client.patch(`/skills/${notTheirs.id}`, { name: 'Taken' })).status).toBe(403);
    expect((await member.client.request('DELETE', `/skills/${notTheirs.id}`)).status).toBe(403);

    await page.goto(url(`/skills/${theirs.slug}`));
    await page.getByRole('link', { name: 'Edit' }).waitFor();
    await page.getByRole('button', { name: 'Delete skill…' }).waitFor();
    // Merging is for admins: no choice of target for a member, and the API says no.
    expect(await page.getByLabel('Merge into').count()).toBe(0);
    expect((await member.client.post('/skills/merge', { source: theirs.id, target: notTheirs.id })).status).toBe(403);

    const links = await page.getByRole('navigation', { name: 'Console' }).getByRole('link').allTextContents();
    expect(links).not.toContain('People');
    expect(links).not.toContain('Signed in now');
    await page.goto(url('/people'));
    await page.getByText('This page is for workspace admins and owners.').waitFor();
    await context.close();
    expect(problems).toEqual([]);
  }, 90_000);

  it('API keys: the empty state, a key with an expiry, an expired key marked', async () => {
    const { context, page } = await signedInPage(desktop);
    await page.goto(url('/api-keys'));
    await page.getByTestId('no-api-keys').waitFor();
    await page.getByLabel('Name').fill('Quarterly export');
    await page.locator('select[name="expiresInDays"]').selectOption('30');
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.getByTestId('new-api-key').waitFor();
    const table = page.getByRole('table', { name: 'API keys' });
    const row = table.locator('tr', { hasText: 'Quarterly export' });
    await row.getByText(/in 30 days|in 4 weeks|next month/).waitFor();
    expect(await table.locator('th[scope="col"]').allTextContents()).toEqual([
      'Name',
      'Key',
      'Scopes',
      'Created',
      'Expires',
      'Last used',
      'Actions',
    ]);

    // Its time passes (the owner moves it; the app cannot): marked expired.
    await t.testDb.ownerQuery(
      `update api_keys set created_at = now() - interval '31 days', expires_at = now() - interval '1 day'
       where name = 'Quarterly export'`,
    );
    await page.reload();
    await row.getByTestId('expired').waitFor();
    expect(await row.getByRole('button', { name: 'Revoke' }).count()).toBe(0);
    await checkPage(page, 'api-keys-expiry-desktop', desktop);

    // A name of spaces passes the browser's check; the API's message lands under the field.
    await page.getByLabel('Name').fill('   ');
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.locator('.field-error[data-field="name"]').waitFor();
    await context.close();
    expect(problems).toEqual([]);
  }, 60_000);

  it('settings show each number in force and its default, from the API', async () => {
    const { context, page } = await signedInPage(desktop);
    await page.goto(url('/settings'));
    const perEmail = page.locator('[data-setting="throttle.maxFailuresPerEmail"]');
    await expect.poll(() => perEmail.textContent()).toBe('In force: 5 (the default)');
    const idle = page.locator('[data-setting="sessions.idleTimeoutMinutes"]');
    expect(await idle.textContent()).toBe(`In force: ${t.config.idleTimeoutMinutes} (the default)`);
    await page.getByLabel('Failures per email').fill('7');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect.poll(() => perEmail.textContent()).toBe('In force: 7 · default 5');
    await context.close();
    expect(problems).toEqual([]);
  }, 60_000);
});
