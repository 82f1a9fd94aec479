import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startSkillhub } from '../src/index.ts';
import { apiKeyClient, eventOccurrences, tallyCounts } from './support/audit.ts';
import { HttpClient } from './support/http-client.ts';
import { errorOf, inviteUser, type SecurityEventRow, securityEventsOf, signIn } from './support/identity.ts';
import { type SignedUpUser, signUpOwner, startTestServer, type TestServer } from './support/test-server.ts';

// Finding 4: every refused credential and every 403 leaves a record naming
// the actor or the presented credential's prefix (never the secret), the
// request id and the IP; finding 10's other half: repeating a failure does
// not write one row per request.
let t: TestServer;
let owner: SignedUpUser;
beforeAll(async () => {
  t = await startTestServer();
  owner = await signUpOwner(t, 'acme');
});
afterAll(() => t.close());

/** The security events (any tenant, or the system's) whose details name `requestId`. */
async function eventsOfRequest(requestId: string): Promise<SecurityEventRow[]> {
  await t.server.settled();
  const { rows } = await t.testDb.ownerQuery<SecurityEventRow & Record<string, unknown>>(
    `select id, tenant_id, event_type, severity, user_id, email, host(ip_address) as ip_address, session_id, details
     from security_events where details ->> 'requestId' = $1 order by created_at`,
    [requestId],
  );
  return rows;
}

/** The audit twin's request id of events written inside the caller's context. */
const requestIdsOf = async (eventIds: string[]) =>
  (
    await t.testDb.ownerQuery<{ request_id: string }>(
      `select request_id from audit_logs where resource_type = 'security_event' and resource_id = any($1::text[])`,
      [eventIds],
    )
  ).rows.map((r) => r.request_id);

const passwordHashOf = async (userId: string) =>
  (await t.testDb.ownerQuery<{ password_hash: string }>('select password_hash from users where id = $1', [userId]))
    .rows[0]?.password_hash;

const withRequestId = (requestId: string, headers: Record<string, string> = {}) => ({
  headers: { 'x-request-id': requestId, ...headers },
});

describe('refused API keys', () => {
  test('an unknown key: 401, a system event with its prefix, request id and IP, never the secret', async () => {
    const prefix = randomBytes(6).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    const requestId = `unknown-key-${randomUUID()}`;
    const response = await t.client.get(
      '/skills',
      withRequestId(requestId, { authorization: `Bearer sk_${prefix}_${secret}` }),
    );
    expect(errorOf(response)).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    const events = await eventsOfRequest(requestId);
    expect(events).toMatchObject([
      {
        tenant_id: '',
        event_type: 'access_blocked',
        ip_address: '127.0.0.1',
        details: { reason: 'unknown_api_key', credential: 'api_key', prefix, requestId },
      },
    ]);
    expect(JSON.stringify(events)).not.toContain(secret);
  });

  test('a revoked key: recorded in its workspace, naming the key', async () => {
    const created = await owner.client.post<{ id: string; key: string; prefix: string }>('/api-keys', {
      name: 'old',
      scopes: ['skills:read'],
    });
    expect((await owner.client.delete(`/api-keys/${created.body.id}`)).status).toBe(200);
    const requestId = `revoked-${randomUUID()}`;
    const response = await t.client.get(
      '/skills',
      withRequestId(requestId, { authorization: `Bearer ${created.body.key}` }),
    );
    expect(response.status).toBe(401);
    const events = await eventsOfRequest(requestId);
    expect(events).toMatchObject([
      {
        tenant_id: owner.tenantId,
        severity: 'medium',
        ip_address: '127.0.0.1',
        details: { reason: 'revoked_api_key', apiKeyId: created.body.id, prefix: created.body.prefix },
      },
    ]);
    expect(JSON.stringify(events)).not.toContain(created.body.key.split('_').slice(2).join('_'));
  });

  test('a wrong secret for a real prefix: recorded in the key’s workspace, high', async () => {
    const created = await owner.client.post<{ id: string; prefix: string }>('/api-keys', {
      name: 'guessed',
      scopes: ['skills:read'],
    });
    const requestId = `guess-${randomUUID()}`;
    const forged = `sk_${created.body.prefix}_${randomBytes(32).toString('base64url')}`;
    expect(
      (await t.client.get('/skills', withRequestId(requestId, { authorization: `Bearer ${forged}` }))).status,
    ).toBe(401);
    expect(await eventsOfRequest(requestId)).toMatchObject([
      { tenant_id: owner.tenantId, severity: 'high', details: { reason: 'wrong_api_key_secret' } },
    ]);
  });
});

describe('refused session cookies', () => {
  test('a forged cookie: a system event with the token hash’s prefix', async () => {
    const requestId = `forged-cookie-${randomUUID()}`;
    const client = t.client.fork();
    client.cookies.set('skillhub_session', randomBytes(32).toString('base64url'));
    expect((await client.get('/auth/me', withRequestId(requestId))).status).toBe(401);
    expect(await eventsOfRequest(requestId)).toMatchObject([
      { tenant_id: '', ip_address: '127.0.0.1', details: { reason: 'unknown_session', credential: 'session' } },
    ]);
  });

  test('a signed-out or expired session: recorded in its workspace, naming the user and session', async () => {
    const client = t.client.fork();
    expect((await signIn(client, owner.email, owner.password, 'acme')).status).toBe(200);
    const token = client.cookies.get('skillhub_session') ?? '';
    const me = await client.get<{ sessionId: string }>('/auth/me');
    expect((await client.post('/auth/sign-out')).status).toBe(200);
    client.cookies.set('skillhub_session', token);
    const requestId = `ended-${randomUUID()}`;
    expect((await client.get('/auth/me', withRequestId(requestId))).status).toBe(401);
    expect(await eventsOfRequest(requestId)).toMatchObject([
      {
        tenant_id: owner.tenantId,
        user_id: owner.userId,
        session_id: me.body.sessionId,
        severity: 'low',
        details: { reason: 'ended_session', terminationReason: 'logout' },
      },
    ]);

    const later = t.client.fork();
    expect((await signIn(later, owner.email, owner.password, 'acme')).status).toBe(200);
    const expiring = await later.get<{ sessionId: string }>('/auth/me');
    await t.testDb.ownerQuery(`update user_sessions set expires_at = now() - interval '1 second' where id = $1`, [
      expiring.body.sessionId,
    ]);
    // Changed behind the server's back: its cached copy of the session goes when the database's change
    // announcement arrives (LISTEN, asynchronous), within the cache's 5 s bound at most.
    let expiredRequest = '';
    await expect
      .poll(
        async () => {
          expiredRequest = `expired-${randomUUID()}`;
          return (await later.get('/auth/me', withRequestId(expiredRequest))).status;
        },
        { timeout: 6_000, interval: 100 },
      )
      .toBe(401);
    expect(await eventsOfRequest(expiredRequest)).toMatchObject([
      {
        tenant_id: owner.tenantId,
        session_id: expiring.body.sessionId,
        details: { reason: 'ended_session', terminationReason: 'expired' },
      },
    ]);
  });
});

describe('every 403 is recorded', () => {
  test('an API key on /auth/sessions: 403 and permission_denied in its workspace', async () => {
    const key = await apiKeyClient(t, owner, ['skills:read']);
    const before = (await securityEventsOf(t, owner.tenantId, 'permission_denied')).length;
    const requestId = `key-sessions-${randomUUID()}`;
    const response = await key.get('/auth/sessions', withRequestId(requestId));
    expect(errorOf(response)).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    const denied = await securityEventsOf(t, owner.tenantId, 'permission_denied');
    expect(denied).toHaveLength(before + 1);
    expect(denied.at(-1)).toMatchObject({
      ip_address: '127.0.0.1',
      details: { reason: 'api_key_not_allowed', path: '/auth/sessions' },
    });
    expect(await requestIdsOf([denied.at(-1)?.id ?? ''])).toEqual([requestId]);
  });

  test('an admin adding an owner: 403 and permission_denied', async () => {
    const admin = await inviteUser(t, owner, 'acme', 'ada@acme.test', 'admin');
    const response = await admin.client.post('/users', { email: 'o2@acme.test', displayName: 'O', role: 'owner' });
    expect(errorOf(response)).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    const denied = (await securityEventsOf(t, owner.tenantId, 'permission_denied')).filter(
      (e) => e.user_id === admin.userId,
    );
    expect(denied).toMatchObject([{ details: { action: 'add an owner', required: 'owner', role: 'admin' } }]);
  });
});

describe('a wrong current password on POST /auth/password', () => {
  test('is recorded as a failed sign-in and throttled like one: the 6th try is paused, the right one too', async () => {
    const user = await signUpOwner(t, 'pwd');
    const hashBefore = await passwordHashOf(user.userId);
    for (let i = 0; i < 5; i++) {
      const wrong = await user.client.post('/auth/password', {
        currentPassword: `wrong password ${i}`,
        newPassword: 'a brand new password',
      });
      expect(errorOf(wrong)).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    }
    const failures = await securityEventsOf(t, user.tenantId, 'login_failed');
    expect(failures).toHaveLength(5);
    for (const failure of failures) {
      expect(failure).toMatchObject({
        user_id: user.userId,
        email: user.email,
        ip_address: '127.0.0.1',
        details: { reason: 'wrong_password', step: 'change_password' },
      });
    }
    const paused = await user.client.post('/auth/password', {
      currentPassword: user.password,
      newPassword: 'a brand new password',
    });
    expect(errorOf(paused)).toMatchObject({ status: 429, code: 'THROTTLED' });
    expect(Number(paused.headers['retry-after'])).toBeGreaterThan(800);
    // The same counters: a browser that never signed in as this user is paused too.
    expect((await signIn(t.client.fork(), user.email, user.password, 'pwd')).status).toBe(429);
    // Nothing changed: the old password is still the password.
    expect(await passwordHashOf(user.userId)).toBe(hashBefore);
  });
});

describe('not a flood lever', () => {
  test('25 requests with the same bad key: a few events (1st, 2nd, 3rd, 10th of a window), all 25 counted', async () => {
    const prefix = randomBytes(6).toString('hex');
    const client = t.client.fork({ headers: { authorization: `Bearer sk_${prefix}_${'x'.repeat(43)}` } });
    // Other unknown keys of this file share the per-IP tally: compare with where this test started.
    const where = { tenantId: '', type: 'access_blocked', subject: 'api_key:unknown' };
    const countsBefore = await tallyCounts(t, where);
    const eventsBefore = (await systemEvents('unknown_api_key')).length;
    for (let i = 0; i < 25; i++) expect((await client.get('/skills')).status).toBe(401);
    await t.server.settled();
    const counts = await tallyCounts(t, where);
    expect(sum(counts) - sum(countsBefore)).toBe(25);
    const written = (await systemEvents('unknown_api_key')).length - eventsBefore;
    expect(written).toBe(eventOccurrences(counts).length - eventOccurrences(countsBefore).length);
    expect(written).toBeLessThanOrEqual(7);
  });

  test('40 concurrent identical denials over two servers on one database: exact count, 4 events', async () => {
    const member = await inviteUser(t, owner, 'acme', 'flood@acme.test');
    // A second server process on the same database, as behind a load balancer.
    const secondDb = await t.testDb.openApp({ checkTenantRouting: true, maxConnections: 8 });
    const second = await startSkillhub({
      db: secondDb,
      logger: (await import('pino')).default({ level: 'silent' }),
      config: t.config,
      port: 0,
      host: '127.0.0.1',
      sealInBackground: false,
    });
    try {
      const cookie = `skillhub_session=${member.client.cookies.get('skillhub_session')}`;
      const clients = [new HttpClient(t.server.url), new HttpClient(second.url)];
      const responses = await Promise.all(
        Array.from({ length: 40 }, (_, i) => clients[i % 2]?.get('/users', { headers: { cookie } })),
      );
      expect(responses.map((r) => r?.status)).toEqual(Array(40).fill(403));
      const subject = `user:${member.userId}`;
      const counts = await tallyCounts(t, { tenantId: owner.tenantId, type: 'permission_denied', subject });
      expect(sum(counts)).toBe(40);
      const events = (await securityEventsOf(t, owner.tenantId, 'permission_denied')).filter(
        (e) => e.user_id === member.userId,
      );
      // [1, 2, 3, 10] within one window.
      expect(events.map((e) => (e.details.repeat as { occurrence: number }).occurrence).sort((a, b) => a - b)).toEqual(
        eventOccurrences(counts),
      );
    } finally {
      await second.close();
    }
  });
});

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

const systemEvents = async (reason: string) =>
  (
    await t.testDb.ownerQuery<{ details: Record<string, unknown> }>(
      `select details from security_events where tenant_id = '' and details ->> 'reason' = $1 order by created_at`,
      [reason],
    )
  ).rows;
