import { createHash } from 'node:crypto';
import { OperatorDoor, systemActor } from '@skillhub/db';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { probesFrom } from './support/audit.ts';
import { errorOf, securityEventsOf, signIn } from './support/identity.ts';
import { signUpByMail, signUpOwner, startTestServer, type TestServer } from './support/test-server.ts';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.close());

const password = 'correct horse battery staple';

describe('sign-up, sign-in and sign-out per workspace', () => {
  test('sign-up creates a workspace with the user as owner; sign-out ends the session; sign-in starts a new one', async () => {
    const owner = await signUpOwner(t, 'acme', 'ada@acme.test');
    const me = await owner.client.get('/auth/me');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({
      user: { id: owner.userId, email: 'ada@acme.test', role: 'owner', mfaEnabled: false },
      tenant: { id: owner.tenantId, slug: 'acme', name: 'acme' },
    });

    expect((await owner.client.post('/auth/sign-out')).status).toBe(200);
    expect(owner.client.cookies.size).toBe(0);
    expect((await owner.client.get('/auth/me')).status).toBe(401);

    const again = await signIn(owner.client, 'ADA@acme.test ', password, 'acme');
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ userId: owner.userId, tenantId: owner.tenantId, mfaRequired: false });
    expect((await owner.client.get('/auth/me')).status).toBe(200);

    const types = (await securityEventsOf(t, owner.tenantId)).map((e) => e.event_type);
    expect(types).toEqual(['login_success', 'logout', 'login_success']);
  });

  test('the workspace can come from the host: <slug>.<base domain>', async () => {
    const owner = await signUpOwner(t, 'hosted', 'hal@hosted.test');
    const browser = t.client.fork({ host: t.hostFor('hosted') });
    const signedIn = await browser.post('/auth/sign-in', { email: 'hal@hosted.test', password });
    expect(signedIn.status).toBe(200);
    expect(signedIn.body).toMatchObject({ userId: owner.userId, tenantId: owner.tenantId });
    expect((await browser.get('/auth/me')).body).toMatchObject({ tenant: { slug: 'hosted' } });
  });

  test('on the bare host without a workspace, sign-in asks for one', async () => {
    const response = await t.client.post('/auth/sign-in', { email: 'x@y.test', password });
    expect(errorOf(response)).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
  });

  test('the session cookie is HttpOnly, SameSite=Lax, and only its hash is stored', async () => {
    const client = t.client.fork();
    const response = await signUpByMail(t, client, {
      email: 'cookie@cookies.test',
      password,
      displayName: 'Cookie',
      workspace: { name: 'Cookies', slug: 'cookies' },
    });
    expect(response.status).toBe(200);
    const cookie = String(response.headers['set-cookie']);
    expect(cookie).toMatch(/^skillhub_session=[A-Za-z0-9_-]{43};/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).not.toMatch(/Secure/); // the test server runs over plain http with cookieSecure off
    const token = client.cookies.get('skillhub_session') ?? '';
    const { rows } = await t.testDb.ownerQuery('select token_hash from user_sessions where user_id = $1', [
      (response.body as { userId: string }).userId,
    ]);
    expect(rows).toEqual([{ token_hash: createHash('sha256').update(token).digest('hex') }]);
  });
});

describe('one email, two workspaces', () => {
  test('are two separate accounts, each password working only in its own workspace', async () => {
    const email = 'sam@shared.test';
    const inNorth = await signUpOwner(t, 'north', email);
    const southClient = t.client.fork();
    const southPassword = 'another long password';
    const south = await signUpByMail(t, southClient, {
      email,
      password: southPassword,
      displayName: 'Sam',
      workspace: { name: 'South', slug: 'south' },
    });
    expect(south.status).toBe(200);
    expect(south.body.userId).not.toBe(inNorth.userId);
    expect(south.body.tenantId).not.toBe(inNorth.tenantId);

    const attempt = (pw: string, workspace: string) => signIn(t.client.fork(), email, pw, workspace);
    expect((await attempt(password, 'north')).body).toMatchObject({ userId: inNorth.userId });
    expect((await attempt(southPassword, 'south')).body).toMatchObject({ userId: south.body.userId });
    expect((await attempt(southPassword, 'north')).status).toBe(401);
    expect((await attempt(password, 'south')).status).toBe(401);

    // Each account sees only its own workspace.
    expect((await inNorth.client.get('/auth/me')).body).toMatchObject({ tenant: { slug: 'north' } });
    expect((await southClient.get('/auth/me')).body).toMatchObject({ tenant: { slug: 'south' } });
  });
});

describe('a taken workspace slug', () => {
  test('is a conflict at sign-up, whatever the email', async () => {
    await signUpOwner(t, 'taken');
    const response = await t.client.fork().post('/auth/sign-up', {
      email: 'late@late.test',
      password,
      displayName: 'Late',
      workspace: { name: 'Taken', slug: 'taken' },
    });
    expect(errorOf(response)).toMatchObject({ status: 409, code: 'CONFLICT' });
  });
});

describe('a deactivated workspace', () => {
  test('cannot be entered: no sign-in, no live session, no sign-up by domain', async () => {
    const owner = await signUpOwner(t, 'umbrella', 'alice@umbrella.test');
    await t.testDb.ownerQuery(`update tenants set domain = 'umbrella.test' where id = $1`, [owner.tenantId]);
    await t.testDb.ownerQuery(
      `update site_settings set settings = settings || '{"signUp": {"joinByDomain": true}}' where tenant_id = $1`,
      [owner.tenantId],
    );
    await OperatorDoor.use(t.testDb.ownerUrl, (door) =>
      door.setTenantActive(owner.tenantId, false, systemActor('test')),
    );

    expect((await owner.client.get('/auth/me')).status).toBe(401);
    const refused = await signIn(t.client.fork(), owner.email, password, 'umbrella');
    expect(errorOf(refused)).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    // A verified address at its domain does not join it: there is nothing to join.
    const joining = await signUpByMail(t, t.client.fork(), {
      email: 'carlos@umbrella.test',
      password,
      displayName: 'Carlos',
    });
    expect(errorOf(joining)).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    const { rows } = await t.testDb.ownerQuery(`select from users where email = 'carlos@umbrella.test'`);
    expect(rows).toEqual([]);
    const blocked = await securityEventsOf(t, owner.tenantId, 'access_blocked');
    expect(blocked.map((e) => e.details.reason)).toContain('workspace_deactivated');

    await OperatorDoor.use(t.testDb.ownerUrl, (door) =>
      door.setTenantActive(owner.tenantId, true, systemActor('test')),
    );
    expect((await owner.client.get('/auth/me')).status).toBe(200);
  });
});

describe("a credential of workspace A on workspace B's host", () => {
  test('gets nothing and is recorded as access_blocked in B', async () => {
    const a = await signUpOwner(t, 'tenant-a');
    const b = await signUpOwner(t, 'tenant-b');
    const response = await a.client.get('/auth/me', { host: t.hostFor('tenant-b') });
    expect(errorOf(response)).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    expect(response.text).not.toContain(a.email);
    expect(response.text).not.toContain(b.tenantId);
    // Nor does any admin route of B answer.
    expect((await a.client.get('/security-events', { host: t.hostFor('tenant-b') })).status).toBe(401);

    await t.server.settled();
    // Both attempts counted in B; the first of the window is the event.
    expect(await probesFrom(t, b.tenantId, a.tenantId)).toBe(2);
    const [event] = await securityEventsOf(t, b.tenantId, 'access_blocked');
    expect(event).toMatchObject({
      severity: 'high',
      ip_address: '127.0.0.1',
      details: { reason: 'credential_of_another_tenant', credentialTenant: 'tenant-a', targetTenant: 'tenant-b' },
    });
    expect(await securityEventsOf(t, a.tenantId, 'access_blocked')).toEqual([]);
    // The same cookie on its own host still works.
    expect((await a.client.get('/auth/me', { host: t.hostFor('tenant-a') })).status).toBe(200);
  });
});
