import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { probesFrom } from './support/audit.ts';
import { errorOf, inviteUser, signIn } from './support/identity.ts';
import { type SignedUpUser, signUpOwner, startTestServer, type TestServer } from './support/test-server.ts';

// What the console needs to run a team beyond the routes it already had:
// reactivating a user, the settings in force with their defaults, and API
// keys that expire.
let t: TestServer;
let owner: SignedUpUser;
let other: SignedUpUser;
let member: SignedUpUser;
beforeAll(async () => {
  t = await startTestServer();
  owner = await signUpOwner(t, 'team');
  other = await signUpOwner(t, 'rival');
  member = await inviteUser(t, owner, 'team', 'mia@team.test');
});
afterAll(() => t.close());

interface User {
  id: string;
  isActive: boolean;
}
interface Setting {
  path: string;
  value: number;
  default: number;
  isDefault: boolean;
}
interface Key {
  id: string;
  key: string;
  expiresAt: string | null;
}

const auditOf = async (action: string, resourceId: string) =>
  (
    await t.testDb.ownerQuery('select actor_id from audit_logs where action = $1 and resource_id = $2', [
      action,
      resourceId,
    ])
  ).rows;

describe('reactivating a user', () => {
  test('a deactivated user signs in again once an admin reactivates them; it is recorded once', async () => {
    const user = await inviteUser(t, owner, 'team', 'rex@team.test');
    expect((await owner.client.post(`/users/${user.userId}/deactivate`)).status).toBe(200);
    expect((await signIn(t.client.fork(), user.email, user.password, 'team')).status).toBe(401);

    const back = await owner.client.post<User>(`/users/${user.userId}/reactivate`);
    expect(back.status).toBe(200);
    expect(back.body).toMatchObject({ id: user.userId, isActive: true });
    expect((await signIn(t.client.fork(), user.email, user.password, 'team')).status).toBe(200);
    // A second reactivation changes nothing and records nothing.
    expect((await owner.client.post(`/users/${user.userId}/reactivate`)).status).toBe(200);
    expect(await auditOf('user.activated', user.userId)).toEqual([{ actor_id: owner.userId }]);
  });

  test('a member is refused; another workspace’s user is not found and stays as it was', async () => {
    const user = await inviteUser(t, owner, 'team', 'ria@team.test');
    await owner.client.post(`/users/${user.userId}/deactivate`);
    expect(errorOf(await member.client.post(`/users/${user.userId}/reactivate`))).toMatchObject({
      status: 403,
      code: 'FORBIDDEN',
    });
    const rivalUser = await inviteUser(t, other, 'rival', 'ron@rival.test');
    await other.client.post(`/users/${rivalUser.userId}/deactivate`);
    expect(errorOf(await owner.client.post(`/users/${rivalUser.userId}/reactivate`))).toMatchObject({
      status: 404,
      code: 'NOT_FOUND',
    });
    expect((await other.client.get<User>(`/users/${rivalUser.userId}`)).body.isActive).toBe(false);
    await t.server.settled();
    expect(await probesFrom(t, other.tenantId, owner.tenantId)).toBeGreaterThanOrEqual(1);
  });

  test('a malformed id is a 400, never a 500', async () => {
    expect((await owner.client.post('/users/not-a-uuid%00/reactivate')).status).toBeLessThan(500);
  });
});

describe('effective settings', () => {
  test('each number shows its default until the workspace sets one', async () => {
    const before = await owner.client.get<{ settings: Setting[] }>('/settings/effective');
    expect(before.status).toBe(200);
    expect(before.body.settings).toContainEqual({
      path: 'throttle.windowMinutes',
      value: 15,
      default: 15,
      isDefault: true,
    });
    expect(before.body.settings).toContainEqual({
      path: 'sessions.idleTimeoutMinutes',
      value: t.config.idleTimeoutMinutes,
      default: t.config.idleTimeoutMinutes,
      isDefault: true,
    });
    const current = await owner.client.get<Record<string, unknown>>('/settings');
    const saved = await owner.client.request('PUT', '/settings', {
      body: { ...current.body, throttle: { windowMinutes: 30 } },
    });
    expect(saved.status).toBe(200);
    const after = await owner.client.get<{ settings: Setting[] }>('/settings/effective');
    expect(after.body.settings).toContainEqual({
      path: 'throttle.windowMinutes',
      value: 30,
      default: 15,
      isDefault: false,
    });
    // The other workspace keeps its own.
    const rival = await other.client.get<{ settings: Setting[] }>('/settings/effective');
    expect(rival.body.settings.find((s) => s.path === 'throttle.windowMinutes')?.value).toBe(15);
  });

  test('a member is refused', async () => {
    expect(errorOf(await member.client.get('/settings/effective'))).toMatchObject({ status: 403, code: 'FORBIDDEN' });
  });
});

describe('API key expiry', () => {
  test('a key made to expire says when, works until then and is refused after', async () => {
    const created = await owner.client.post<Key>('/api-keys', {
      name: 'contractor',
      scopes: ['skills:read'],
      expiresInDays: 30,
    });
    expect(created.status).toBe(201);
    const expiresAt = Date.parse(created.body.expiresAt ?? '');
    expect(Math.abs(expiresAt - (Date.now() + 30 * 86_400_000))).toBeLessThan(60_000);
    const keyClient = t.client.fork({ headers: { authorization: `Bearer ${created.body.key}` } });
    expect((await keyClient.get('/skills')).status).toBe(200);
    const listed = await owner.client.get<{ apiKeys: Key[] }>('/api-keys');
    expect(listed.body.apiKeys.find((k) => k.id === created.body.id)?.expiresAt).toBe(created.body.expiresAt);

    // Time passes: the key's life is moved into the past (the owner may; the app role may not).
    await t.testDb.ownerQuery(
      `update api_keys set created_at = now() - interval '31 days', expires_at = now() - interval '1 day' where id = $1`,
      [created.body.id],
    );
    t.db.credentials.forget();
    expect((await keyClient.get('/skills')).status).toBe(401);
  });

  test('a key kept in memory is not served past its expiry', async () => {
    const created = await owner.client.post<Key>('/api-keys', { name: 'short', scopes: ['skills:read'] });
    await t.testDb.ownerQuery(`update api_keys set expires_at = now() + interval '1 second' where id = $1`, [
      created.body.id,
    ]);
    t.db.credentials.forget();
    const keyClient = t.client.fork({ headers: { authorization: `Bearer ${created.body.key}` } });
    expect((await keyClient.get('/skills')).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect((await keyClient.get('/skills')).status).toBe(401);
  });

  test('a key without expiry lasts until revoked', async () => {
    const created = await owner.client.post<Key>('/api-keys', { name: 'forever', scopes: ['skills:read'] });
    expect(created.body.expiresAt).toBeNull();
  });

  test('an expiry out of range is refused field by field', async () => {
    for (const expiresInDays of [0, -1, 731, 1.5, 'soon', 1e308]) {
      const refused = await owner.client.post('/api-keys', { name: 'bad', scopes: ['skills:read'], expiresInDays });
      expect(refused.status, String(expiresInDays)).toBe(400);
      const details = (refused.body as { error: { details: { path: string }[] } }).error.details;
      expect(new Set(details.map((d) => d.path))).toEqual(new Set(['expiresInDays']));
    }
  });
});
