import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { probesFrom } from './support/audit.ts';
import type { HttpClient } from './support/http-client.ts';
import {
  errorOf,
  inviteUser,
  mySessionIds,
  securityEventsOf,
  sessionsOf,
  setTenantSettings,
  signIn,
} from './support/identity.ts';
import { type SignedUpUser, signUpOwner, startTestServer, type TestServer } from './support/test-server.ts';

let t: TestServer;
let owner: SignedUpUser;
beforeAll(async () => {
  t = await startTestServer();
  owner = await signUpOwner(t, 'acme');
});
afterAll(() => t.close());

/** Another signed-in browser of the same user. */
async function anotherSession(user: SignedUpUser, workspace = 'acme'): Promise<HttpClient> {
  const client = t.client.fork();
  const response = await signIn(client, user.email, user.password, workspace);
  if (response.status !== 200) throw new Error(`sign-in failed: ${response.text}`);
  return client;
}

const reasonOf = async (userId: string, sessionId: string) =>
  (await sessionsOf(t, userId)).find((s) => s.id === sessionId)?.termination_reason ?? null;

const terminationsOf = async (sessionId: string) =>
  (await securityEventsOf(t, owner.tenantId, 'session_terminated')).filter((e) => e.session_id === sessionId);

/**
 * Moves a session's last activity or expiry into the past, as time passing
 * would: in the database, and in the server's memory (its activity not yet
 * written, written first, and its cached credentials, forgotten).
 */
const backdate = async (sessionId: string, column: 'last_activity_at' | 'expires_at', by: string) => {
  await t.db.flushCredentialUse();
  await t.testDb.ownerQuery(`update user_sessions set ${column} = now() - $2::interval where id = $1`, [sessionId, by]);
  t.db.credentials.forget();
};

/** Whether the session's stored activity is recent, once the server has written what it saw. */
const activeWithin = async (sessionId: string, interval: string) => {
  await t.db.flushCredentialUse();
  const { rows } = await t.testDb.ownerQuery<{ touched: boolean }>(
    `select last_activity_at > now() - $2::interval as touched from user_sessions where id = $1`,
    [sessionId, interval],
  );
  return rows[0]?.touched;
};

describe('listing', () => {
  test('lists the caller’s live sessions, marks the current one, and never shows a token', async () => {
    const second = await anotherSession(owner);
    const listed = await second.get<{ sessions: Record<string, unknown>[] }>('/auth/sessions');
    expect(listed.status).toBe(200);
    expect(listed.body.sessions.length).toBeGreaterThanOrEqual(2);
    expect(listed.body.sessions.filter((s) => s.current)).toHaveLength(1);
    expect(listed.body.sessions[0]).toMatchObject({ userId: owner.userId, ipAddress: '127.0.0.1', terminatedAt: null });
    for (const session of listed.body.sessions) {
      expect(Object.keys(session)).not.toContain('tokenHash');
    }
    const tokenHashes = (await sessionsOf(t, owner.userId)).map((s) => s.token_hash);
    for (const secret of [...tokenHashes, second.cookies.get('skillhub_session') ?? '?']) {
      expect(listed.text).not.toContain(secret);
    }
  });
});

describe('expiry', () => {
  test('a session idle past its timeout is refused and ended as idle_timeout', async () => {
    const client = await anotherSession(owner);
    const { current } = await mySessionIds(client);
    await backdate(current, 'last_activity_at', '31 minutes');
    expect(errorOf(await client.get('/auth/me'))).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    expect(await reasonOf(owner.userId, current)).toBe('idle_timeout');
    expect(await terminationsOf(current)).toMatchObject([
      { user_id: owner.userId, details: { reason: 'idle_timeout' } },
    ]);
    // Refused for good, not just this once.
    expect((await client.get('/auth/me')).status).toBe(401);
  });

  test('a session past its absolute lifetime is refused and ended as expired, however active', async () => {
    const client = await anotherSession(owner);
    const { current } = await mySessionIds(client);
    await backdate(current, 'expires_at', '1 second');
    expect((await client.get('/auth/me')).status).toBe(401);
    expect(await reasonOf(owner.userId, current)).toBe('expired');
    expect(await terminationsOf(current)).toMatchObject([{ details: { reason: 'expired' } }]);
  });

  test('activity within the idle timeout keeps a session alive', async () => {
    const client = await anotherSession(owner);
    const { current } = await mySessionIds(client);
    await backdate(current, 'last_activity_at', '29 minutes');
    expect((await client.get('/auth/me')).status).toBe(200);
    expect(await activeWithin(current, '1 minute')).toBe(true);
  });

  // Regression: activity was written at most every 5 minutes whatever the
  // timeout, so a 2-minute idle timeout ended sessions that were in use.
  test('a short idle timeout still sees every minute of activity', async () => {
    await setTenantSettings(t, owner.tenantId, { sessions: { idleTimeoutMinutes: 2 } });
    try {
      const client = await anotherSession(owner);
      const { current } = await mySessionIds(client);
      await backdate(current, 'last_activity_at', '90 seconds');
      expect((await client.get('/auth/me')).status).toBe(200);
      expect(await activeWithin(current, '10 seconds')).toBe(true);
    } finally {
      await setTenantSettings(t, owner.tenantId, {});
    }
  });

  test('timeouts are configurable per workspace', async () => {
    await setTenantSettings(t, owner.tenantId, { sessions: { idleTimeoutMinutes: 5, absoluteTimeoutHours: 1 } });
    try {
      const client = await anotherSession(owner);
      const { current } = await mySessionIds(client);
      const { rows } = await t.testDb.ownerQuery<{ idle: string; life: string }>(
        `select idle_timeout::text as idle, round(extract(epoch from expires_at - created_at))::text as life
         from user_sessions where id = $1`,
        [current],
      );
      expect(rows[0]).toEqual({ idle: '00:05:00', life: '3600' });
    } finally {
      await setTenantSettings(t, owner.tenantId, {});
    }
  });
});

describe('ending sessions', () => {
  test('a user revokes one of their sessions by id', async () => {
    const phone = await anotherSession(owner);
    const laptop = await anotherSession(owner);
    const { current: phoneId } = await mySessionIds(phone);
    expect((await laptop.delete(`/auth/sessions/${phoneId}`)).status).toBe(200);
    expect((await phone.get('/auth/me')).status).toBe(401);
    expect((await laptop.get('/auth/me')).status).toBe(200);
    expect(await reasonOf(owner.userId, phoneId)).toBe('revoked_by_user');
    expect(await terminationsOf(phoneId)).toMatchObject([{ details: { reason: 'revoked_by_user' } }]);
  });

  test('a user cannot end another user’s session, nor name a malformed id', async () => {
    const member = await inviteUser(t, owner, 'acme', 'mia@acme.test');
    const { current } = await mySessionIds(owner.client);
    expect(errorOf(await member.client.delete(`/auth/sessions/${current}`))).toMatchObject({
      status: 404,
      code: 'NOT_FOUND',
    });
    expect((await member.client.delete('/auth/sessions/not-a-uuid')).status).toBe(404);
    expect((await owner.client.get('/auth/me')).status).toBe(200);
  });

  test('ending all others keeps only the current session', async () => {
    const user = await inviteUser(t, owner, 'acme', 'otto@acme.test');
    const others = [await anotherSession(user), await anotherSession(user)];
    const ended = await user.client.post<{ endedSessions: number }>('/auth/sessions/end-others');
    expect(ended.body).toEqual({ endedSessions: 2 });
    for (const other of others) expect((await other.get('/auth/me')).status).toBe(401);
    expect((await user.client.get('/auth/me')).status).toBe(200);
    expect((await mySessionIds(user.client)).others).toEqual([]);
  });

  test('an admin lists and ends any session in their workspace', async () => {
    const member = await inviteUser(t, owner, 'acme', 'max@acme.test');
    const listed = await owner.client.get<{ sessions: { id: string }[] }>(`/admin/sessions?userId=${member.userId}`);
    expect(listed.status).toBe(200);
    const [session] = listed.body.sessions;
    if (!session) throw new Error('the member has no session');
    expect((await owner.client.delete(`/admin/sessions/${session.id}`)).status).toBe(200);
    expect((await member.client.get('/auth/me')).status).toBe(401);
    expect(await reasonOf(member.userId, session.id)).toBe('revoked_by_admin');
    const { rows } = await t.testDb.ownerQuery(
      `select actor_type, actor_id from audit_logs where action = 'session.terminated' and resource_id = $1`,
      [session.id],
    );
    expect(rows).toEqual([{ actor_type: 'user', actor_id: owner.userId }]);
    const ended = await owner.client.get<{ sessions: { id: string; terminationReason: string }[] }>(
      `/admin/sessions?userId=${member.userId}&includeEnded=true`,
    );
    expect(ended.body.sessions.find((s) => s.id === session.id)?.terminationReason).toBe('revoked_by_admin');
  });

  test('a member cannot end others’ sessions: 403, recorded as permission_denied', async () => {
    const member = await inviteUser(t, owner, 'acme', 'nia@acme.test');
    const { current } = await mySessionIds(owner.client);
    const refused = await member.client.delete(`/admin/sessions/${current}`);
    expect(errorOf(refused)).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    expect((await owner.client.get('/auth/me')).status).toBe(200);
    const denied = (await securityEventsOf(t, owner.tenantId, 'permission_denied')).filter(
      (e) => e.user_id === member.userId,
    );
    expect(denied).toMatchObject([{ severity: 'medium', details: { action: 'end sessions', role: 'member' } }]);
  });

  test('an admin cannot end a session of another workspace; the attempt is recorded there', async () => {
    const other = await signUpOwner(t, 'other');
    const { current } = await mySessionIds(other.client);
    expect((await owner.client.delete(`/admin/sessions/${current}`)).status).toBe(404);
    expect((await owner.client.delete(`/auth/sessions/${current}`)).status).toBe(404);
    expect((await other.client.get('/auth/me')).status).toBe(200);
    await t.server.settled();
    const blocked = await securityEventsOf(t, other.tenantId, 'access_blocked');
    // The first of the window (a second one only if the two straddle a window's end).
    expect(blocked.slice(0, 1).map((e) => [e.details.resource, e.details.path, e.details.fromTenant])).toEqual([
      ['user_sessions', `/admin/sessions/${current}`, owner.tenantId],
    ]);
    expect(await probesFrom(t, other.tenantId, owner.tenantId)).toBe(2);
  });

  test('changing the password ends the user’s other sessions', async () => {
    const user = await inviteUser(t, owner, 'acme', 'pat@acme.test');
    const other = await anotherSession(user);
    const wrong = await user.client.post('/auth/password', {
      currentPassword: 'not the password',
      newPassword: 'a brand new password',
    });
    expect(errorOf(wrong)).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    expect((await other.get('/auth/me')).status).toBe(200);

    const changed = await user.client.post('/auth/password', {
      currentPassword: user.password,
      newPassword: 'a brand new password',
    });
    expect(changed.body).toEqual({ endedSessions: 1 });
    expect((await other.get('/auth/me')).status).toBe(401);
    expect((await user.client.get('/auth/me')).status).toBe(200);
    expect((await signIn(t.client.fork(), user.email, user.password, 'acme')).status).toBe(401);
    expect((await signIn(t.client.fork(), user.email, 'a brand new password', 'acme')).status).toBe(200);

    const events = (await securityEventsOf(t, owner.tenantId)).filter((e) => e.user_id === user.userId);
    expect(events.filter((e) => e.event_type === 'password_changed')).toHaveLength(1);
    expect(
      events.filter((e) => e.event_type === 'session_terminated' && e.details.reason === 'password_changed'),
    ).toHaveLength(1);
  });

  test('deactivating a user ends all their sessions and keeps them out', async () => {
    const user = await inviteUser(t, owner, 'acme', 'quinn@acme.test');
    const other = await anotherSession(user);
    const done = await owner.client.post(`/users/${user.userId}/deactivate`);
    expect(done.body).toEqual({ endedSessions: 2 });
    expect((await user.client.get('/auth/me')).status).toBe(401);
    expect((await other.get('/auth/me')).status).toBe(401);
    expect((await sessionsOf(t, user.userId)).map((s) => s.termination_reason)).toEqual([
      'user_deactivated',
      'user_deactivated',
    ]);
    expect((await signIn(t.client.fork(), user.email, user.password, 'acme')).status).toBe(401);
  });
});
