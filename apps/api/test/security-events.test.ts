import { currentTotp } from '@skillhub/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  ageSignInEvents,
  errorOf,
  inviteUser,
  mySessionIds,
  securityEventsOf,
  setTenantSettings,
  signIn,
} from './support/identity.ts';
import { type SignedUpUser, signUpOwner, startTestServer, type TestServer } from './support/test-server.ts';

let t: TestServer;
let owner: SignedUpUser;
let member: SignedUpUser;
beforeAll(async () => {
  t = await startTestServer();
  owner = await signUpOwner(t, 'acme');
  member = await inviteUser(t, owner, 'acme', 'mel@acme.test');
});
afterAll(() => t.close());

const attempt = (email: string, password: string, headers: Record<string, string> = {}) =>
  t.client.fork({ headers }).post('/auth/sign-in', { email, password, workspace: 'acme' });

/** The events of `type` in acme recorded while `cause` ran. */
async function recorded(type: string, cause: () => Promise<unknown>) {
  const before = new Set((await securityEventsOf(t, owner.tenantId, type)).map((e) => e.id));
  await cause();
  return (await securityEventsOf(t, owner.tenantId, type)).filter((e) => !before.has(e.id));
}

// Each of the twelve types, produced by what causes it in real use.
describe('each security event type has its real cause', () => {
  test('login_success: a sign-in', async () => {
    const events = await recorded('login_success', () => attempt(member.email, member.password));
    expect(events).toMatchObject([{ user_id: member.userId, email: member.email, ip_address: '127.0.0.1' }]);
    expect(events[0]?.session_id).not.toBeNull();
  });

  test('login_failed: a wrong password', async () => {
    const events = await recorded('login_failed', () => attempt(member.email, 'wrong password'));
    expect(events).toMatchObject([{ user_id: member.userId, details: { reason: 'wrong_password' } }]);
  });

  test('logout: signing out', async () => {
    const client = t.client.fork();
    await signIn(client, member.email, member.password, 'acme');
    const { current } = await mySessionIds(client);
    const events = await recorded('logout', () => client.post('/auth/sign-out'));
    expect(events).toMatchObject([{ user_id: member.userId, session_id: current }]);
  });

  test('password_changed: changing the password', async () => {
    const events = await recorded('password_changed', () =>
      member.client.post('/auth/password', { currentPassword: member.password, newPassword: 'a new long password' }),
    );
    member.password = 'a new long password';
    expect(events).toMatchObject([{ user_id: member.userId, email: member.email }]);
  });

  test('mfa_enabled and mfa_disabled: turning TOTP on and off', async () => {
    const setup = await member.client.post<{ secret: string }>('/auth/mfa/setup');
    const enabled = await recorded('mfa_enabled', () =>
      member.client.post('/auth/mfa/confirm', { code: currentTotp(setup.body.secret) }),
    );
    expect(enabled).toMatchObject([{ user_id: member.userId }]);
    const disabled = await recorded('mfa_disabled', () =>
      member.client.post('/auth/mfa/disable', { password: member.password, code: currentTotp(setup.body.secret) }),
    );
    expect(disabled).toMatchObject([{ user_id: member.userId, severity: 'medium' }]);
  });

  test('session_terminated: revoking a session', async () => {
    const other = t.client.fork();
    await signIn(other, member.email, member.password, 'acme');
    const { current } = await mySessionIds(other);
    const events = await recorded('session_terminated', () => member.client.delete(`/auth/sessions/${current}`));
    expect(events).toMatchObject([{ session_id: current, details: { reason: 'revoked_by_user' } }]);
  });

  test('suspicious_activity: a sign-in from a device never seen for the user', async () => {
    const events = await recorded('suspicious_activity', () =>
      attempt(member.email, member.password, { 'x-device-fingerprint': 'new-laptop-0001' }),
    );
    expect(events).toMatchObject([
      { user_id: member.userId, severity: 'medium', details: { reason: 'new_device', fingerprint: 'new-laptop-0001' } },
    ]);
    // The same device again is no longer news.
    const again = await recorded('suspicious_activity', () =>
      attempt(member.email, member.password, { 'x-device-fingerprint': 'new-laptop-0001' }),
    );
    expect(again).toEqual([]);
  });

  test('suspicious_activity and access_blocked: a burst of failures trips the throttle', async () => {
    await ageSignInEvents(t);
    const burst = await recorded('suspicious_activity', async () => {
      for (let i = 0; i < 5; i++) await attempt(member.email, 'wrong password');
    });
    expect(burst).toMatchObject([
      { user_id: member.userId, severity: 'high', details: { reason: 'failure_burst', by: 'email', failures: 5 } },
    ]);
    const blocked = await recorded('access_blocked', () => attempt(member.email, member.password));
    expect(blocked).toMatchObject([{ email: member.email, details: { reason: 'throttled_by_email' } }]);
    await ageSignInEvents(t);
  });

  test('the burst follows the workspace’s own threshold', async () => {
    await setTenantSettings(t, owner.tenantId, { throttle: { maxFailuresPerEmail: 3 } });
    try {
      const burst = await recorded('suspicious_activity', async () => {
        for (let i = 0; i < 4; i++) await attempt(member.email, 'wrong password');
      });
      expect(burst).toMatchObject([{ details: { reason: 'failure_burst', failures: 3 } }]);
    } finally {
      await setTenantSettings(t, owner.tenantId, {});
      await ageSignInEvents(t);
    }
  });

  test('blacklist_hit: a sign-in from a blocklisted IP', async () => {
    await setTenantSettings(t, owner.tenantId, { blocklist: { ips: ['127.0.0.0/8'] } });
    try {
      const events = await recorded('blacklist_hit', () => attempt(member.email, member.password));
      expect(events).toMatchObject([{ email: member.email, ip_address: '127.0.0.1', severity: 'high' }]);
    } finally {
      await setTenantSettings(t, owner.tenantId, {});
    }
  });

  test('permission_denied: a member calling an admin action', async () => {
    const events = await recorded('permission_denied', () => member.client.get('/users'));
    expect(events).toMatchObject([
      { user_id: member.userId, details: { action: 'list users', required: 'admin', role: 'member', path: '/users' } },
    ]);
  });

  test('data_export: exporting the audit trail', async () => {
    const events = await recorded('data_export', async () => {
      const exported = await owner.client.get('/audit/export?format=jsonl');
      expect(exported.status).toBe(200);
    });
    expect(events).toMatchObject([{ user_id: owner.userId }]);
  });

  test('every event has its twin in the audit ledger', async () => {
    const events = await securityEventsOf(t, owner.tenantId);
    const types = new Set(events.map((e) => e.event_type));
    expect([...types].sort()).toEqual(
      [
        'access_blocked',
        'blacklist_hit',
        'data_export',
        'login_failed',
        'login_success',
        'logout',
        'mfa_disabled',
        'mfa_enabled',
        'password_changed',
        'permission_denied',
        'session_terminated',
        'suspicious_activity',
      ].sort(),
    );
    const { rows: twins } = await t.testDb.ownerQuery<{ resource_id: string; action: string; tenant_id: string }>(
      `select resource_id, action, tenant_id from audit_logs where resource_type = 'security_event' and tenant_id = $1`,
      [owner.tenantId],
    );
    const byEvent = new Map(twins.map((row) => [row.resource_id, row.action]));
    expect(twins).toHaveLength(events.length);
    for (const event of events) expect(byEvent.get(event.id)).toBe(`security.${event.event_type}`);
  });
});

describe('GET /security-events', () => {
  test('an admin pages through the workspace’s events, newest first, filtered by type or user', async () => {
    const all = await securityEventsOf(t, owner.tenantId);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${cursor}` : '';
      const page = await owner.client.get<{ events: { id: string }[]; nextCursor: string | null }>(
        `/security-events?limit=7${query}`,
      );
      expect(page.status).toBe(200);
      seen.push(...page.body.events.map((e) => e.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(all.length);
    expect(new Set(seen)).toEqual(new Set(all.map((e) => e.id)));

    const failed = await owner.client.get<{ events: { eventType: string; userId: string }[] }>(
      `/security-events?type=login_failed&userId=${member.userId}`,
    );
    expect(failed.body.events.length).toBeGreaterThan(0);
    for (const event of failed.body.events)
      expect(event).toMatchObject({ eventType: 'login_failed', userId: member.userId });
    expect(failed.text).not.toContain('tenantId');
  });

  test('shows nothing of another workspace', async () => {
    const other = await signUpOwner(t, 'other');
    const listed = await other.client.get<{ events: { id: string }[] }>('/security-events');
    const theirs = new Set((await securityEventsOf(t, other.tenantId)).map((e) => e.id));
    expect(listed.body.events.length).toBe(theirs.size);
    for (const event of listed.body.events) expect(theirs.has(event.id)).toBe(true);
  });

  test('a member may not read them; a bad query is a 400', async () => {
    expect(errorOf(await member.client.get('/security-events'))).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    expect(errorOf(await owner.client.get('/security-events?type=nonsense'))).toMatchObject({
      status: 400,
      code: 'VALIDATION_FAILED',
    });
    expect((await owner.client.get('/security-events?cursor=%%%')).status).toBe(400);
  });
});
