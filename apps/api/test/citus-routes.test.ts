// The server's routes on a converted Citus cluster (docs/citus.md, step 8): what an owner does in a day,
// through HTTP against the real server on the coordinator, with the ledger written on the shards, and a
// second workspace trying to reach the first's. Citus is not in Debian's archive, so this runs by hand
// (docs/citus-lab/README.md) on a database converted by lab files 1, 2, 7, 8 and 9:
//   CITUS_LEDGER_URL=postgres://<superuser>@<coordinator>/<db>
//   CITUS_LEDGER_APP_URL=postgres://<runtime role>:<password>@<coordinator>/<db>
// and is skipped without them.
import { randomBytes } from 'node:crypto';
import { currentTotp, fixedServerKeys, inviteUser, loadConfig } from '@skillhub/core';
import { type Database, OperatorDoor, systemActor, verifyAuditChain } from '@skillhub/db';
import { openRuntimeDatabase } from '@skillhub/db/testing';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type SkillhubServer, startSkillhub } from '../src/index.ts';
import { HttpClient } from './support/http-client.ts';
import { MailInbox, tokenIn } from './support/mail-inbox.ts';

const ownerUrl = process.env.CITUS_LEDGER_URL;
const appUrl = process.env.CITUS_LEDGER_APP_URL;
const password = 'a long lab password, 2026';

interface Workspace {
  id: string;
  slug: string;
  client: HttpClient;
}

describe.skipIf(!ownerUrl || !appUrl)('the server on a converted Citus cluster', () => {
  let db: Database;
  let server: SkillhubServer;
  let inbox: MailInbox;
  let a: Workspace;
  let b: Workspace;
  let skillId = '';
  const made = Date.now().toString(36);
  const slugOfSkill = `cluster-${made}`;

  const workspace = async (label: string): Promise<Workspace> => {
    const slug = `routes-${label}-${made}`;
    const { id } = await db.platform.createTenant({ name: `Routes ${label}`, slug }, systemActor('lab'));
    // As `skillhub user create` adds a workspace's first owner.
    await db.withTenant(id, systemActor('lab'), (tx) =>
      inviteUser(tx, 'owner', { email: `owner@${slug}.example`, displayName: 'Owner', role: 'owner', password }),
    );
    const host = `${slug}.localhost:${new URL(server.url).port}`;
    return { id, slug, client: new HttpClient(server.url, { host, headers: { origin: `http://${host}` } }) };
  };

  beforeAll(async () => {
    db = await openRuntimeDatabase(ownerUrl ?? '', appUrl ?? '', 8);
    const defaults = loadConfig({});
    inbox = await MailInbox.start();
    server = await startSkillhub({
      db,
      logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
      config: {
        ...defaults,
        cookieSecure: false,
        keys: fixedServerKeys({ secrets: [randomBytes(32)], deviceCookie: randomBytes(32) }),
        mail: { ...defaults.mail, smtpUrl: inbox.url },
        signUpThrottle: { maxPerIp: 10_000, windowMinutes: 15 },
      },
      port: 0,
      host: '127.0.0.1',
      sealInBackground: false,
      checkResponses: true,
    });
    a = await workspace('a');
    b = await workspace('b');
    for (const { client, slug } of [a, b]) {
      const signedIn = await client.post('/auth/sign-in', { email: `owner@${slug}.example`, password });
      expect(signedIn.status).toBe(200);
    }
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    await inbox?.close();
  });

  test('an owner creates a skill, rates, renames, versions and uses it', async () => {
    const created = await a.client.post<{ id: string; latestVersion: number }>('/skills', {
      slug: slugOfSkill,
      name: 'Cluster skill',
      content: '# written on a shard',
      tags: ['lab'],
    });
    expect(created.status).toBe(201);
    skillId = created.body.id;
    const rated = await a.client.request<{ rating: { count: number } }>('PUT', `/skills/${slugOfSkill}/rating`, {
      body: { score: 5 },
    });
    expect([rated.status, rated.body.rating.count]).toEqual([200, 1]);
    const renamed = await a.client.patch<{ name: string }>(`/skills/${slugOfSkill}`, {
      name: 'Cluster skill, renamed',
    });
    expect([renamed.status, renamed.body.name]).toEqual([200, 'Cluster skill, renamed']);
    const version = await a.client.post<{ version: number }>(`/skills/${slugOfSkill}/versions`, { content: '# v2' });
    expect([version.status, version.body.version]).toEqual([201, 2]);
    expect((await a.client.post(`/skills/${slugOfSkill}/usage`, { source: 'web' })).status).toBe(201);
  }, 60_000);

  test('an API key made through the routes reads the skill', async () => {
    const made = await a.client.post<{ key: string }>('/api-keys', { name: 'lab', scopes: ['skills:read'] });
    expect(made.status).toBe(201);
    const keyed = a.client.fork({
      host: a.client.defaults.host,
      headers: { authorization: `Bearer ${made.body.key}` },
    });
    const read = await keyed.get<{ id: string; latestVersion: number }>(`/skills/${slugOfSkill}`);
    expect([read.status, read.body.id, read.body.latestVersion]).toEqual([200, skillId, 2]);
  }, 60_000);

  test("the audit trail lists the day's events, the sign-in's email opened from its envelope", async () => {
    const page = await a.client.get<{ events: { id: string; action: string; metadata: Record<string, unknown> }[] }>(
      '/audit-events?limit=100',
    );
    expect(page.status).toBe(200);
    const actions = page.body.events.map((event) => event.action);
    for (const action of ['skill.created', 'rating.created', 'skill.version_published', 'api_key.created']) {
      expect(actions).toContain(action);
    }
    // Opened on the ledger's shard from the subject keys' shard beside it (citus-writes.test.ts shows the stored
    // row holds no address).
    const signIn = page.body.events.find((event) => event.action === 'security.login_success');
    expect(signIn?.metadata.email).toBe(`owner@${a.slug}.example`);
  }, 60_000);

  test("the other workspace's owner reaches none of it", async () => {
    expect((await b.client.get(`/skills/${slugOfSkill}`)).status).toBe(404);
    expect((await b.client.get(`/skills/${skillId}`)).status).toBe(404);
    expect((await b.client.patch(`/skills/${skillId}`, { name: 'taken' })).status).toBe(404);
    const trail = await b.client.get<{ events: { resourceId: string | null }[] }>('/audit-events?limit=100');
    expect(trail.status).toBe(200);
    expect(trail.body.events.filter((event) => event.resourceId === skillId)).toEqual([]);
  }, 60_000);

  test('a member who left is erased, and the exports hold no trace of them', async () => {
    const email = `leaver@${a.slug}.example`;
    const { user } = await db.withTenant(a.id, systemActor('lab'), (tx) =>
      inviteUser(tx, 'owner', { email, displayName: 'Leaver', role: 'member', password }),
    );
    const leaver = a.client.fork({ host: a.client.defaults.host, headers: a.client.defaults.headers });
    expect((await leaver.post('/auth/sign-in', { email, password })).status).toBe(200);
    expect((await a.client.post(`/users/${user.id}/deactivate`)).status).toBe(200);
    const dryRun = await a.client.post<Record<string, unknown>>('/audit/erasures', { subject: user.id, dryRun: true });
    expect(dryRun.status).toBe(200);
    expect(dryRun.body).toMatchObject({ subject: `user:${user.id}`, account: 'deactivated', dryRun: true });
    const erased = await a.client.post<Record<string, unknown>>('/audit/erasures', { subject: user.id, dryRun: false });
    expect(erased.status).toBe(200);
    expect(erased.body).toMatchObject({ subject: `user:${user.id}`, dryRun: false });
    expect(await db.sealCommittedAuditEvents(30_000)).toBe(true);
    for (const format of ['jsonl', 'ocsf', 'csv']) {
      const exported = await a.client.get(`/audit/export?format=${format}`);
      expect(exported.status, format).toBe(200);
      expect(exported.text, format).toContain(user.id);
      expect(exported.text, format).not.toContain(email);
    }
  }, 60_000);

  test('a password change ends the other sessions, an invitation is accepted from its mail, and a signed-out session stops working', async () => {
    const second = a.client.fork({ host: a.client.defaults.host, headers: a.client.defaults.headers });
    expect((await second.post('/auth/sign-in', { email: `owner@${a.slug}.example`, password })).status).toBe(200);
    const changed = await a.client.post<{ endedSessions: number }>('/auth/password', {
      currentPassword: password,
      newPassword: `${password}, changed`,
    });
    expect([changed.status, changed.body.endedSessions]).toEqual([200, 1]);
    const invited = await a.client.post('/invitations', { email: `member@${a.slug}.example`, role: 'member' });
    expect(invited.status).toBe(201);
    const invitation = await inbox.waitFor(`member@${a.slug}.example`, /invited you/);
    const accepted = await new HttpClient(server.url).post<{ tenantId: string; role: string }>(
      '/auth/accept-invitation',
      {
        token: tokenIn(invitation, '/accept-invitation'),
        displayName: 'Member',
        password,
      },
    );
    expect([accepted.status, accepted.body.tenantId, accepted.body.role]).toEqual([200, a.id, 'member']);
    expect((await a.client.post('/auth/sign-out')).status).toBe(200);
    // On one server the process drops the session at once; on a cluster a change announced on a worker does
    // not reach the coordinator's LISTEN (docs/citus.md, step 2), so the cache's 5 s bound is what holds.
    const refusedWithin = async (client: HttpClient) => {
      const started = Date.now();
      while ((await client.get('/auth/me')).status !== 401) {
        if (Date.now() - started > 7_000) return Number.POSITIVE_INFINITY;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      return Date.now() - started;
    };
    expect(await refusedWithin(second)).toBeLessThanOrEqual(6_000);
    expect(await refusedWithin(a.client)).toBeLessThanOrEqual(6_000);
  }, 60_000);

  test('a person signs up by mail: the confirmed link creates their workspace and signs them in', async () => {
    const slug = `signed-up-${made}`;
    const email = `founder@${slug}.example`;
    const client = new HttpClient(server.url);
    const asked = await client.post('/auth/sign-up', {
      email,
      password,
      displayName: 'Founder',
      workspace: { name: slug, slug },
    });
    expect(asked.status).toBe(202);
    const mail = await inbox.waitFor(email, /^Confirm/);
    const verified = await client.post<{ tenantId: string; tenantSlug: string; role: string }>('/auth/verify-email', {
      token: tokenIn(mail, '/verify-email'),
    });
    expect([verified.status, verified.body.tenantSlug, verified.body.role]).toEqual([200, slug, 'owner']);
    const host = `${slug}.localhost:${new URL(server.url).port}`;
    const theirs = new HttpClient(server.url, { host, headers: { origin: `http://${host}` } });
    expect((await theirs.post('/auth/sign-in', { email, password })).status).toBe(200);
    expect((await theirs.get('/skills')).status).toBe(200);
    expect(await db.sealCommittedAuditEvents(30_000)).toBe(true);
    const result = await verifyAuditChain(ownerUrl ?? '', { tenantId: verified.body.tenantId });
    expect(result.chains.map((verdict) => verdict.intact)).toEqual([true]);
  }, 60_000);

  test('an owner turns on a second factor; sign-in then waits for a valid code, a wrong one refused', async () => {
    const setup = await b.client.post<{ secret: string }>('/auth/mfa/setup');
    expect(setup.status).toBe(200);
    const confirmed = await b.client.post<{ recoveryCodes: string[] }>('/auth/mfa/confirm', {
      code: currentTotp(setup.body.secret),
    });
    expect([confirmed.status, confirmed.body.recoveryCodes?.length]).toEqual([200, 10]);
    const browser = b.client.fork({ host: b.client.defaults.host, headers: b.client.defaults.headers });
    const signedIn = await browser.post<{ mfaRequired: boolean }>('/auth/sign-in', {
      email: `owner@${b.slug}.example`,
      password,
    });
    expect([signedIn.status, signedIn.body.mfaRequired]).toEqual([200, true]);
    expect((await browser.get('/auth/me')).status).toBe(401);
    const wrong = currentTotp(setup.body.secret) === '123456' ? '654321' : '123456';
    expect((await browser.post('/auth/mfa/verify', { code: wrong })).status).toBe(401);
    expect((await browser.post('/auth/mfa/verify', { code: confirmed.body.recoveryCodes[0] })).status).toBe(200);
    expect((await browser.get('/auth/me')).status).toBe(200);
    // Off again, with the password and the next period's code (the current one may be spent): its secret,
    // sealed with this test's key, leaves the database, where `skillhub serve` would refuse to start on it.
    const code = currentTotp(setup.body.secret, Date.now() + 30_000);
    expect((await browser.post('/auth/mfa/disable', { password, code })).status).toBe(200);
    expect((await browser.get<{ user: { mfaEnabled: boolean } }>('/auth/me')).body.user.mfaEnabled).toBe(false);
  }, 60_000);

  test('a workspace the operator deactivates (as `skillhub tenant deactivate`) is refused at once', async () => {
    const c = await workspace('c');
    expect((await c.client.post('/auth/sign-in', { email: `owner@${c.slug}.example`, password })).status).toBe(200);
    expect((await c.client.get('/auth/me')).status).toBe(200);
    // tenants is a reference table: the coordinator holds a placement of it, where the change is announced
    // to the server's LISTEN (before the conversion named the shard's table, the deactivation failed).
    await OperatorDoor.use(ownerUrl ?? '', (door) => door.setTenantActive(c.id, false, systemActor('cli')));
    const started = Date.now();
    while ((await c.client.get('/auth/me')).status === 200 && Date.now() - started < 5_000) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(Date.now() - started).toBeLessThan(1_000);
    expect([401, 403]).toContain((await c.client.get('/auth/me')).status);
  }, 60_000);

  test("every event is sealed and both workspaces' chains verify", async () => {
    expect(await db.sealCommittedAuditEvents(30_000)).toBe(true);
    for (const chain of [a.id, b.id]) {
      const result = await verifyAuditChain(ownerUrl ?? '', { tenantId: chain });
      expect(result.chains.map((verdict) => [verdict.chain, verdict.intact])).toEqual([[chain, true]]);
    }
  }, 120_000);
});
