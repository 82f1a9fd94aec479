// Membership needs a proven email: a sign-up is only a request until the
// link mailed to the address comes back; joining a workspace by domain
// needs that proof and the workspace's consent; the answer to a sign-up
// never says whether the address has an account. Mail goes through a real
// SMTP server (support/mail-inbox.ts) and the tests follow its links.
import { createHash } from 'node:crypto';
import { inviteUser } from '@skillhub/core';
import { siteSettings, systemActor } from '@skillhub/db';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openedIpSql } from '../../../packages/db/test/support/opened-ip.ts';
import type { HttpClient } from './support/http-client.ts';
import { errorOf } from './support/identity.ts';
import { tokenIn } from './support/mail-inbox.ts';
import {
  type SignedUpUser,
  signUpByMail,
  signUpOwner,
  startTestServer,
  type TestServer,
} from './support/test-server.ts';

let t: TestServer;
let acme: SignedUpUser;
const password = 'correct horse battery staple';

beforeAll(async () => {
  t = await startTestServer();
  // Acme as its operator sets it up (skillhub tenant create --domain, then user create), not through sign-up.
  const tenant = await t.db.platform.createTenant(
    { name: 'Acme', slug: 'acme', domain: 'acme.example' },
    systemActor('test'),
  );
  const { user } = await t.db.withTenant(tenant.id, systemActor('test'), async (tx) => {
    await tx.insert(siteSettings).values({ displayName: 'Acme' });
    return inviteUser(tx, 'owner', { email: 'ada@acme.example', displayName: 'Ada', role: 'owner', password });
  });
  const client = t.client.fork();
  expect((await client.post('/auth/sign-in', { email: 'ada@acme.example', password, workspace: 'acme' })).status).toBe(
    200,
  );
  acme = { client, userId: user.id, tenantId: tenant.id, email: 'ada@acme.example', password };
  const skill = await acme.client.post('/skills', { slug: 'secret-sauce', name: 'Secret sauce', content: 'x' });
  expect(skill.status).toBe(201);
});
afterAll(() => t.close());

const count = async (sql: string, params: unknown[] = []) =>
  Number((await t.testDb.ownerQuery<{ n: string }>(`select count(*) as n from (${sql}) q`, params)).rows[0]?.n);

/** Rows that say an account, a workspace, a session or a pending request came to exist. */
const footprint = async () => ({
  tenants: await count('select from tenants'),
  users: await count('select from users'),
  sessions: await count('select from user_sessions'),
  settings: await count('select from site_settings'),
  usedRequests: await count('select from platform.sign_up_requests where used_at is not null'),
});

const setJoinByDomain = async (on: boolean) => {
  const current = await acme.client.get<Record<string, unknown>>('/settings');
  const { displayName, logoUrl, defaultVisibility, throttle, sessions, blocklist, allowlist } = current.body;
  const response = await acme.client.request('PUT', '/settings', {
    body: {
      displayName,
      logoUrl,
      defaultVisibility,
      throttle,
      sessions,
      blocklist,
      allowlist,
      signUp: { joinByDomain: on },
    },
  });
  expect(response.status, response.text).toBe(200);
};

const signUpBody = (email: string, extra: Record<string, unknown> = {}) => ({
  email,
  password,
  displayName: email.split('@')[0] ?? email,
  ...extra,
});

describe('finding 1: naming an address at a workspace’s domain', () => {
  const attempt = async () => {
    const eve = t.client.fork();
    const response = await eve.post('/auth/sign-up', signUpBody('eve@acme.example'));
    expect(response.status).toBe(202);
    expect(response.headers['set-cookie']).toBeUndefined();
    expect(eve.cookies.size).toBe(0);
    expect(errorOf(await eve.get('/skills'))).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    expect(await count(`select from users where email = 'eve@acme.example'`)).toBe(0);
  };

  test('no longer joins it: 202 with no session, no account, no skills', attempt);

  test('not even where joining by domain is on: nothing exists until the mailed link returns', async () => {
    await setJoinByDomain(true);
    await attempt();
    await setJoinByDomain(false);
  });
});

describe('joining by domain', () => {
  test('is off by default: a verified address at the domain does not join, it creates its own workspace', async () => {
    const client = t.client.fork();
    const bob = await signUpByMail(
      t,
      client,
      signUpBody('bob@acme.example', { workspace: { name: 'Bob', slug: 'bob' } }),
    );
    expect(bob.status).toBe(200);
    expect(bob.body).toMatchObject({ tenantSlug: 'bob', role: 'owner' });
    expect(bob.body.tenantId).not.toBe(acme.tenantId);
    const skills = await client.get<{ skills: { slug: string }[] }>('/skills');
    expect(skills.body.skills.map((s) => s.slug)).not.toContain('secret-sauce');

    // Without a workspace to create, the link says so and writes nothing.
    const before = await footprint();
    const carol = await signUpByMail(t, t.client.fork(), signUpBody('carol@acme.example'));
    expect(errorOf(carol)).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    expect(await footprint()).toEqual(before);
  });

  test('when turned on, a verified address joins as a member, and only once the link returns', async () => {
    await setJoinByDomain(true);
    const client = t.client.fork();
    const before = await count(`select from users where tenant_id = $1`, [acme.tenantId]);
    expect((await client.post('/auth/sign-up', signUpBody('dave@ACME.example'))).status).toBe(202);
    expect(await count(`select from users where tenant_id = $1`, [acme.tenantId])).toBe(before);

    const mail = await t.inbox.waitFor('dave@acme.example', /^Confirm/);
    const joined = await client.post<{ tenantId: string; role: string; userId: string }>('/auth/verify-email', {
      token: tokenIn(mail, '/verify-email'),
    });
    expect(joined.status, joined.text).toBe(200);
    expect(joined.body).toMatchObject({ tenantId: acme.tenantId, tenantSlug: 'acme', role: 'member' });
    expect((await client.get('/auth/me')).body).toMatchObject({
      user: { email: 'dave@acme.example', role: 'member' },
      tenant: { slug: 'acme' },
    });
    const events = await t.testDb.ownerQuery<{ action: string; actor_id: string; metadata: Record<string, unknown> }>(
      `select action, actor_id, metadata from audit_logs
       where tenant_id = $1 and action = 'auth.email_verified' and resource_id = $2`,
      [acme.tenantId, joined.body.userId],
    );
    expect(events.rows).toEqual([
      { action: 'auth.email_verified', actor_id: 'sign-up', metadata: { role: 'member', joined: true } },
    ]);
    await setJoinByDomain(false);
  });
});

describe('sign-up never tells whether an address has an account', () => {
  const visible = (r: { status: number; body: unknown; headers: Record<string, unknown> }) => ({
    status: r.status,
    body: r.body,
    cookie: r.headers['set-cookie'],
    type: r.headers['content-type'],
  });

  test('an existing member’s address gets the same answer as a new one', async () => {
    const existing = await t.client.fork().post('/auth/sign-up', signUpBody('ada@acme.example'));
    const fresh = await t.client.fork().post('/auth/sign-up', signUpBody('nina@acme.example'));
    expect(visible(existing)).toEqual(visible(fresh));
    expect(existing.status).toBe(202);
    // Not joining by domain, the sign-up would make a new workspace: the link goes out, naming the account she has.
    const link = await t.inbox.waitFor('ada@acme.example', /^Confirm/);
    expect(link.text).toContain('You already have an account in: acme');
  });

  test('where it would join, the owner gets a mail saying someone tried, instead of a link', async () => {
    await setJoinByDomain(true);
    const requests = () => count('select from platform.sign_up_requests');
    const pendingBefore = await requests();
    const existing = await t.client.fork().post('/auth/sign-up', signUpBody('ada@acme.example'));
    const fresh = await t.client.fork().post('/auth/sign-up', signUpBody('erin@acme.example'));
    expect(visible(existing)).toEqual(visible(fresh));
    expect(existing.status).toBe(202);

    const notice = await t.inbox.waitFor('ada@acme.example', /tried to sign up/);
    expect(notice.text).toContain('acme');
    expect(notice.text).not.toMatch(/verify-email/);
    await t.inbox.waitFor('erin@acme.example', /^Confirm/);
    expect(await requests()).toBe(pendingBefore + 1);
    await setJoinByDomain(false);
  });
});

describe('the mailed token', () => {
  test('is stored only as its SHA-256, works once, and the used request keeps no password hash', async () => {
    const client = t.client.fork();
    expect(
      (await client.post('/auth/sign-up', signUpBody('once@once.test', { workspace: { name: 'Once', slug: 'once' } })))
        .status,
    ).toBe(202);
    const token = tokenIn(await t.inbox.waitFor('once@once.test'), '/verify-email');
    const stored = await t.testDb.ownerQuery('select * from platform.sign_up_requests where email = $1', [
      'once@once.test',
    ]);
    expect(stored.rows).toHaveLength(1);
    expect(stored.rows[0]?.token_hash).toBe(createHash('sha256').update(token).digest('hex'));
    expect(JSON.stringify(stored.rows)).not.toContain(token);
    expect(String(stored.rows[0]?.password_hash)).toMatch(/^\$argon2id\$/);

    expect((await client.post('/auth/verify-email', { token })).status).toBe(200);
    const used = await t.testDb.ownerQuery(
      'select used_at, password_hash from platform.sign_up_requests where email = $1',
      ['once@once.test'],
    );
    expect(used.rows[0]).toMatchObject({ used_at: expect.any(Date), password_hash: null });

    const before = await footprint();
    const again = await t.client.fork().post('/auth/verify-email', { token });
    expect(errorOf(again)).toMatchObject({ status: 400, code: 'INVALID_TOKEN' });
    expect(again.body).toMatchObject({ error: { details: { reason: 'used' } } });
    expect(again.headers['set-cookie']).toBeUndefined();
    expect(await footprint()).toEqual(before);
  });

  test('an expired one is refused and writes nothing', async () => {
    const client = t.client.fork();
    await client.post('/auth/sign-up', signUpBody('late@late.test', { workspace: { name: 'Late', slug: 'late' } }));
    const token = tokenIn(await t.inbox.waitFor('late@late.test'), '/verify-email');
    await t.testDb.ownerQuery(
      `update platform.sign_up_requests set expires_at = now() - interval '1 second' where email = 'late@late.test'`,
    );
    const before = await footprint();
    const response = await client.post('/auth/verify-email', { token });
    expect(errorOf(response)).toMatchObject({ status: 400, code: 'INVALID_TOKEN' });
    expect(response.body).toMatchObject({ error: { details: { reason: 'expired' } } });
    expect(await footprint()).toEqual(before);
    expect(await count(`select from tenants where slug = 'late'`)).toBe(0);
  });

  test('an unknown or malformed one is a 400 with a code, never a 5xx, and writes nothing', async () => {
    const before = await footprint();
    const cases: [unknown, string][] = [
      [{ token: 'A'.repeat(43) }, 'INVALID_TOKEN'],
      [{ token: '' }, 'VALIDATION_FAILED'],
      [{ token: 'x'.repeat(500) }, 'VALIDATION_FAILED'],
      [{ token: 'abc\u0000def' }, 'VALIDATION_FAILED'],
      [{ token: "' or 1=1 --" }, 'VALIDATION_FAILED'],
      [{}, 'VALIDATION_FAILED'],
      [{ token: 5 }, 'VALIDATION_FAILED'],
    ];
    for (const [body, code] of cases) {
      for (const path of ['/auth/verify-email', '/auth/accept-invitation']) {
        const full = path === '/auth/accept-invitation' ? { displayName: 'X', password, ...(body as object) } : body;
        const response = await t.client.fork().post(path, full);
        expect(errorOf(response), `${path} ${JSON.stringify(body)}`).toMatchObject({ status: 400, code });
      }
    }
    expect(await footprint()).toEqual(before);
  });
});

describe('sign-up in one transaction (issue 12, bug 3)', () => {
  test('a failure after the workspace is created leaves no workspace; the link then still works', async () => {
    const client = t.client.fork();
    await client.post(
      '/auth/sign-up',
      signUpBody('atom@atomic.test', { workspace: { name: 'Atomic', slug: 'atomic' } }),
    );
    const token = tokenIn(await t.inbox.waitFor('atom@atomic.test'), '/verify-email');
    // The owner's insert fails as a concurrent twin's would, after the workspace row went in.
    await t.testDb.ownerQuery(`
      create function fail_owner_insert() returns trigger language plpgsql as $$
      begin
        raise exception 'duplicate key value violates unique constraint "users_tenant_id_email_key"'
          using errcode = 'unique_violation', constraint = 'users_tenant_id_email_key';
      end $$;
      create trigger fail_owner_insert before insert on users for each row
        when (new.email = 'atom@atomic.test') execute function fail_owner_insert();`);
    try {
      const before = await footprint();
      const failed = await client.post('/auth/verify-email', { token });
      expect(errorOf(failed)).toMatchObject({ status: 409, code: 'CONFLICT' });
      expect(await footprint()).toEqual(before);
      expect(await count(`select from tenants where slug = 'atomic'`)).toBe(0);
      expect(
        await count(`select from audit_logs where action = 'tenant.create' and metadata ->> 'slug' = 'atomic'`),
      ).toBe(0);
    } finally {
      await t.testDb.ownerQuery('drop trigger fail_owner_insert on users; drop function fail_owner_insert()');
    }
    const verified = await client.post<{ tenantId: string }>('/auth/verify-email', { token });
    expect(verified.status, verified.text).toBe(200);
    const owners = await t.testDb.ownerQuery(`select role from users where tenant_id = $1`, [verified.body.tenantId]);
    expect(owners.rows).toEqual([{ role: 'owner' }]);
  });

  test('the workspace, its settings and its owner are attributed to the sign-up and its request', async () => {
    const client = t.client.fork();
    await client.post('/auth/sign-up', signUpBody('who@who.test', { workspace: { name: 'Who', slug: 'who' } }));
    const token = tokenIn(await t.inbox.waitFor('who@who.test'), '/verify-email');
    const verified = await client.request<{ tenantId: string }>('POST', '/auth/verify-email', {
      body: { token },
      headers: { 'x-request-id': 'verify-who' },
    });
    expect(verified.status).toBe(200);
    const { rows } = await t.testDb.ownerQuery<{ action: string; actor_type: string; actor_id: string; ip: string }>(
      `select action, actor_type, actor_id, ${openedIpSql('l')} as ip from audit_logs l
       where request_id = 'verify-who' and tenant_id = $1 order by seq`,
      [verified.body.tenantId],
    );
    expect(rows.map((r) => r.action)).toEqual(
      expect.arrayContaining(['tenant.create', 'site_settings.insert', 'users.insert', 'auth.email_verified']),
    );
    for (const row of rows.filter((r) => r.action !== 'auth.sign_in' && !r.action.startsWith('security.')))
      expect(row, row.action).toMatchObject({ actor_type: 'system', actor_id: 'sign-up', ip: '127.0.0.1' });
  });
});

describe('invitations', () => {
  const invite = (client: HttpClient, email: string, role = 'member') =>
    client.post<{ id: string; email: string; role: string }>('/invitations', { email, role });
  const accept = (token: string, displayName = 'Invited') =>
    t.client.fork().post<{ tenantId: string; role: string; userId: string }>('/auth/accept-invitation', {
      token,
      displayName,
      password,
    });
  const invitationToken = async (email: string, nth = 1) =>
    tokenIn(await t.inbox.waitFor(email, /invited you/, nth), '/accept-invitation');

  test('an admin invites with a role; the mailed link creates that account and signs it in; each step audited', async () => {
    const created = await invite(acme.client, 'frank@elsewhere.test', 'admin');
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({ email: 'frank@elsewhere.test', role: 'admin' });
    expect(created.text).not.toMatch(/token/i);
    const listed = await acme.client.get<{ invitations: { id: string }[] }>('/invitations');
    expect(listed.body.invitations.map((i) => i.id)).toContain(created.body.id);

    const token = await invitationToken('frank@elsewhere.test');
    const accepted = await accept(token, 'Frank');
    expect(accepted.status, accepted.text).toBe(200);
    expect(accepted.body).toMatchObject({ tenantId: acme.tenantId, role: 'admin' });
    const frank = await t.testDb.ownerQuery('select display_name, role from users where id = $1', [
      accepted.body.userId,
    ]);
    expect(frank.rows).toEqual([{ display_name: 'Frank', role: 'admin' }]);
    expect(
      (await acme.client.get<{ invitations: { id: string }[] }>('/invitations')).body.invitations,
    ).not.toContainEqual(expect.objectContaining({ id: created.body.id }));
    expect(errorOf(await accept(token))).toMatchObject({ status: 400, code: 'INVALID_TOKEN' });

    const actions = await t.testDb.ownerQuery<{ action: string }>(
      `select action from audit_logs where tenant_id = $1 and resource_id = $2 and operation is null order by seq`,
      [acme.tenantId, created.body.id],
    );
    expect(actions.rows.map((r) => r.action)).toEqual(['invitation.created', 'invitation.accepted']);
    const captured = await t.testDb.ownerQuery<{ new_record: Record<string, unknown> }>(
      `select new_record from audit_logs where table_name = 'invitations' and tenant_id = $1`,
      [acme.tenantId],
    );
    for (const row of captured.rows) expect(row.new_record).not.toHaveProperty('token_hash');
  });

  test('a revoked or expired invitation is refused, and writes nothing', async () => {
    const revokedOne = await invite(acme.client, 'gina@elsewhere.test');
    const revokedToken = await invitationToken('gina@elsewhere.test');
    const revoked = await acme.client.delete(`/invitations/${revokedOne.body.id}`);
    expect(revoked.status).toBe(200);
    expect((await acme.client.delete(`/invitations/${revokedOne.body.id}`)).status).toBe(404);

    await invite(acme.client, 'hank@elsewhere.test');
    const expiredToken = await invitationToken('hank@elsewhere.test');
    await t.testDb.ownerQuery(
      `update invitations set expires_at = now() - interval '1 second' where email = 'hank@elsewhere.test'`,
    );
    const before = await footprint();
    const refusedRevoked = await accept(revokedToken);
    expect(errorOf(refusedRevoked)).toMatchObject({ status: 400, code: 'INVALID_TOKEN' });
    expect(refusedRevoked.body).toMatchObject({ error: { details: { reason: 'revoked' } } });
    const refusedExpired = await accept(expiredToken);
    expect(refusedExpired.body).toMatchObject({ error: { code: 'INVALID_TOKEN', details: { reason: 'expired' } } });
    expect(await footprint()).toEqual(before);
    const revokedEvents = await count(
      `select from audit_logs where tenant_id = $1 and action = 'invitation.revoked' and resource_id = $2`,
      [acme.tenantId, revokedOne.body.id],
    );
    expect(revokedEvents).toBe(1);
  });

  test('an owner invitation only by an owner; members invite nobody; another workspace’s invitation is not found', async () => {
    const admin = await accept(
      tokenIn(
        await (async () => {
          await invite(acme.client, 'ivy@elsewhere.test', 'admin');
          return t.inbox.waitFor('ivy@elsewhere.test', /invited you/);
        })(),
        '/accept-invitation',
      ),
    );
    const adminClient = t.client.fork();
    const signedIn = await adminClient.post('/auth/sign-in', {
      email: 'ivy@elsewhere.test',
      password,
      workspace: 'acme',
    });
    expect(signedIn.status).toBe(200);
    expect(admin.body.role).toBe('admin');

    const denied = await invite(adminClient, 'owner2@elsewhere.test', 'owner');
    expect(errorOf(denied)).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    const denials = await count(
      `select from security_events where tenant_id = $1 and event_type = 'permission_denied' and details ->> 'action' = 'invite an owner'`,
      [acme.tenantId],
    );
    expect(denials).toBe(1);
    expect(await count(`select from invitations where email = 'owner2@elsewhere.test'`)).toBe(0);
    expect((await invite(acme.client, 'owner2@elsewhere.test', 'owner')).status).toBe(201);

    const dave = t.client.fork();
    expect((await dave.post('/auth/sign-in', { email: 'dave@acme.example', password, workspace: 'acme' })).status).toBe(
      200,
    );
    expect(errorOf(await invite(dave, 'x@elsewhere.test'))).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    expect(errorOf(await dave.get('/invitations'))).toMatchObject({ status: 403, code: 'FORBIDDEN' });

    const other = await signUpOwner(t, 'other');
    const theirs = await invite(other.client, 'jo@elsewhere.test');
    expect(errorOf(await acme.client.delete(`/invitations/${theirs.body.id}`))).toMatchObject({ status: 404 });
    expect(
      (await acme.client.get<{ invitations: { id: string }[] }>('/invitations')).body.invitations,
    ).not.toContainEqual(expect.objectContaining({ id: theirs.body.id }));
  });

  test('an address that already has an account here cannot be invited', async () => {
    expect(errorOf(await invite(acme.client, 'ada@acme.example'))).toMatchObject({ status: 409, code: 'CONFLICT' });
  });
});
