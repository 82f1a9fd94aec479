import { createHash } from 'node:crypto';
import { systemActor } from '@skillhub/db';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { errorOf, securityEventsOf, signIn } from './support/identity.ts';
import { signUpOwner, startTestServer, type TestServer } from './support/test-server.ts';

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
    const response = await client.post('/auth/sign-up', {
      email: 'cookie@cookies.test',
      password,
      displayName: 'Cookie',
      workspace: { name: 'Cookies', slug: 'cookies' },
    });
    expect(response.status).toBe(201);
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
    const south = await southClient.post<{ userId: string; tenantId: string }>('/auth/sign-up', {
      email,
      password: southPassword,
      displayName: 'Sam',
      workspace: { name: 'South', slug: 'south' },
    });
    expect(south.status).toBe(201);
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

describe('sign-up by email domain', () => {
  test('joins the workspace whose domain matches the email, as a member', async () => {
    const owner = await signUpOwner(t, 'initech', 'bill@initech.test');
    await t.testDb.ownerQuery(`update tenants set domain = 'initech.test' where id = $1`, [owner.tenantId]);
    const client = t.client.fork();
    const joined = await client.post<{ tenantId: string; userId: string }>('/auth/sign-up', {
      email: 'Peter@Initech.test',
      password,
      displayName: 'Peter',
    });
    expect(joined.status).toBe(201);
    expect(joined.body.tenantId).toBe(owner.tenantId);
    expect((await client.get('/auth/me')).body).toMatchObject({
      user: { email: 'peter@initech.test', role: 'member' },
      tenant: { slug: 'initech' },
    });
    // A workspace offered in the body does not override the domain match.
    const other = await t.client.fork().post<{ tenantId: string }>('/auth/sign-up', {
      email: 'milton@initech.test',
      password,
      displayName: 'Milton',
      workspace: { name: 'Stapler', slug: 'stapler' },
    });
    expect(other.body.tenantId).toBe(owner.tenantId);
  });

  test('joins a workspace created with a domain through the platform door', async () => {
    const tenant = await t.db.platform.createTenant(
      { name: 'Globex', slug: 'globex', domain: 'Globex.test' },
      systemActor('test'),
    );
    const joined = await t.client.fork().post<{ tenantId: string }>('/auth/sign-up', {
      email: 'hank@globex.test',
      password,
      displayName: 'Hank',
    });
    expect(joined.status).toBe(201);
    expect(joined.body.tenantId).toBe(tenant.id);
  });

  test('with no matching domain and no workspace named, nothing is created', async () => {
    const response = await t.client.fork().post('/auth/sign-up', {
      email: 'nobody@nowhere.test',
      password,
      displayName: 'Nobody',
    });
    expect(errorOf(response)).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    const { rows } = await t.testDb.ownerQuery(
      `select count(*)::int as n from users where email = 'nobody@nowhere.test'`,
    );
    expect(rows[0]).toEqual({ n: 0 });
  });

  test('a taken workspace slug is a conflict', async () => {
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
    await t.db.platform.setTenantActive(owner.tenantId, false, systemActor('test'));

    expect((await owner.client.get('/auth/me')).status).toBe(401);
    const refused = await signIn(t.client.fork(), owner.email, password, 'umbrella');
    expect(errorOf(refused)).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    const joining = await t.client.fork().post('/auth/sign-up', {
      email: 'carlos@umbrella.test',
      password,
      displayName: 'Carlos',
    });
    expect(errorOf(joining)).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    const blocked = await securityEventsOf(t, owner.tenantId, 'access_blocked');
    expect(blocked.map((e) => e.details.reason)).toContain('workspace_deactivated');

    await t.db.platform.setTenantActive(owner.tenantId, true, systemActor('test'));
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

    const [event, second] = await securityEventsOf(t, b.tenantId, 'access_blocked');
    expect(second).toBeDefined();
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
