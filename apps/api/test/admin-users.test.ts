import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { probesFrom } from './support/audit.ts';
import { errorOf, inviteUser, securityEventsOf, signIn } from './support/identity.ts';
import { type SignedUpUser, signUpOwner, startTestServer, type TestServer } from './support/test-server.ts';

let t: TestServer;
let owner: SignedUpUser;
beforeAll(async () => {
  t = await startTestServer();
  owner = await signUpOwner(t, 'acme');
});
afterAll(() => t.close());

interface User {
  id: string;
  email: string;
  role: string;
  isActive: boolean;
}

const auditOf = async (action: string, resourceId: string) =>
  (
    await t.testDb.ownerQuery(
      'select actor_type, actor_id, metadata from audit_logs where action = $1 and resource_id = $2',
      [action, resourceId],
    )
  ).rows;

describe('inviting', () => {
  test('an admin invites a user, who signs in with the temporary password', async () => {
    const invited = await owner.client.post<{ user: User; temporaryPassword: string }>('/users', {
      email: 'Iris@Acme.test',
      displayName: 'Iris',
    });
    expect(invited.status).toBe(201);
    expect(invited.body.user).toMatchObject({ email: 'iris@acme.test', role: 'member', isActive: true });
    expect(invited.body.temporaryPassword.length).toBeGreaterThanOrEqual(16);
    expect(await auditOf('user.invited', invited.body.user.id)).toMatchObject([
      { actor_type: 'user', actor_id: owner.userId, metadata: { role: 'member' } },
    ]);
    const client = t.client.fork();
    expect((await signIn(client, 'iris@acme.test', invited.body.temporaryPassword, 'acme')).status).toBe(200);
    expect((await client.get('/auth/me')).body).toMatchObject({ user: { role: 'member' } });
    // The temporary password is never stored as such.
    const { rows } = await t.testDb.ownerQuery('select password_hash from users where id = $1', [invited.body.user.id]);
    expect(String(rows[0]?.password_hash)).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });

  test('the same email twice in one workspace is a conflict', async () => {
    await inviteUser(t, owner, 'acme', 'twice@acme.test');
    const again = await owner.client.post('/users', { email: 'TWICE@acme.test', displayName: 'Twice' });
    expect(errorOf(again)).toMatchObject({ status: 409, code: 'CONFLICT' });
  });

  test('only an owner adds an owner', async () => {
    const admin = await inviteUser(t, owner, 'acme', 'ada@acme.test', 'admin');
    const refused = await admin.client.post('/users', { email: 'boss@acme.test', displayName: 'Boss', role: 'owner' });
    expect(errorOf(refused)).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    const member = await admin.client.post('/users', { email: 'staff@acme.test', displayName: 'Staff' });
    expect(member.status).toBe(201);
  });
});

describe('roles', () => {
  test('an admin changes a member’s role, and the change is audited', async () => {
    const user = await inviteUser(t, owner, 'acme', 'rob@acme.test');
    const changed = await owner.client.patch<User>(`/users/${user.userId}/role`, { role: 'admin' });
    expect(changed.body).toMatchObject({ id: user.userId, role: 'admin' });
    expect(await auditOf('user.role_changed', user.userId)).toMatchObject([
      { actor_id: owner.userId, metadata: { from: 'member', to: 'admin' } },
    ]);
    // The new role holds from the next request of the live session.
    expect((await user.client.get('/users')).status).toBe(200);
  });

  test('an admin cannot touch an owner; a member cannot change roles at all', async () => {
    const admin = await inviteUser(t, owner, 'acme', 'amy@acme.test', 'admin');
    const member = await inviteUser(t, owner, 'acme', 'moe@acme.test');
    expect((await admin.client.patch(`/users/${owner.userId}/role`, { role: 'member' })).status).toBe(403);
    expect((await admin.client.patch(`/users/${member.userId}/role`, { role: 'owner' })).status).toBe(403);
    expect((await member.client.patch(`/users/${admin.userId}/role`, { role: 'member' })).status).toBe(403);
    const denied = (await securityEventsOf(t, owner.tenantId, 'permission_denied')).filter(
      (e) => e.user_id === member.userId,
    );
    expect(denied).toMatchObject([{ details: { action: 'change roles' } }]);
    expect((await owner.client.get<User>(`/users/${owner.userId}`)).body.role).toBe('owner');
  });
});

describe('deactivating', () => {
  test('ends every session, records it, and keeps the user out', async () => {
    const user = await inviteUser(t, owner, 'acme', 'dee@acme.test');
    const done = await owner.client.post<{ endedSessions: number }>(`/users/${user.userId}/deactivate`);
    expect(done.body).toEqual({ endedSessions: 1 });
    expect((await user.client.get('/auth/me')).status).toBe(401);
    expect((await owner.client.get<User>(`/users/${user.userId}`)).body.isActive).toBe(false);
    expect(await auditOf('user.deactivated', user.userId)).toMatchObject([{ metadata: { endedSessions: 1 } }]);
    const ended = (await securityEventsOf(t, owner.tenantId, 'session_terminated')).filter(
      (e) => e.user_id === user.userId,
    );
    expect(ended).toMatchObject([{ details: { reason: 'user_deactivated' } }]);
  });

  test('nobody deactivates themselves', async () => {
    const refused = await owner.client.post(`/users/${owner.userId}/deactivate`);
    expect(errorOf(refused)).toMatchObject({ status: 409, code: 'CONFLICT' });
  });
});

describe('other workspaces', () => {
  test('their users are not found, read or changed, nor listed; each attempt is recorded there', async () => {
    const other = await signUpOwner(t, 'other');
    expect((await owner.client.get(`/users/${other.userId}`)).status).toBe(404);
    expect((await owner.client.patch(`/users/${other.userId}/role`, { role: 'member' })).status).toBe(404);
    expect((await owner.client.post(`/users/${other.userId}/deactivate`)).status).toBe(404);
    const listed = await owner.client.get<{ users: User[] }>('/users');
    expect(listed.body.users.map((u) => u.id)).not.toContain(other.userId);
    expect((await other.client.get('/auth/me')).body).toMatchObject({ user: { role: 'owner' } });
    await t.server.settled();
    // One event for the first attempt of this credential in the window; all three counted.
    const blocked = await securityEventsOf(t, other.tenantId, 'access_blocked');
    expect(blocked[0]?.details).toMatchObject({ resource: 'users', resourceId: other.userId, actorId: owner.userId });
    expect(await probesFrom(t, other.tenantId, owner.tenantId)).toBe(3);
  });
});
