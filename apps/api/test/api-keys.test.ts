import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { errorOf, inviteUser, securityEventsOf } from './support/identity.ts';
import { type SignedUpUser, signUpOwner, startTestServer, type TestServer } from './support/test-server.ts';

let t: TestServer;
let owner: SignedUpUser;
beforeAll(async () => {
  t = await startTestServer();
  owner = await signUpOwner(t, 'acme');
});
afterAll(() => t.close());

interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  lastUsedAt: string | null;
  revokedAt: string | null;
  key?: string;
}

async function createKey(name: string, scopes = ['skills:read']): Promise<ApiKey & { key: string }> {
  const created = await owner.client.post<ApiKey & { key: string }>('/api-keys', { name, scopes });
  expect(created.status).toBe(201);
  return created.body;
}

const bearer = (key: string) => t.client.fork({ headers: { authorization: `Bearer ${key}` } });

const auditOf = async (action: string, resourceId: string) =>
  (
    await t.testDb.ownerQuery(
      'select tenant_id, actor_type, actor_id from audit_logs where action = $1 and resource_id = $2',
      [action, resourceId],
    )
  ).rows;

describe('API key lifecycle', () => {
  test('an admin creates a key: shown once, stored only as a hash with a displayable prefix', async () => {
    const created = await createKey('CI', ['skills:read', 'skills:write']);
    expect(created.key).toMatch(new RegExp(`^sk_${created.prefix}_[A-Za-z0-9_-]{43}$`));
    expect(created).toMatchObject({ name: 'CI', scopes: ['skills:read', 'skills:write'], lastUsedAt: null });

    const listed = await owner.client.get<{ apiKeys: ApiKey[] }>('/api-keys');
    expect(listed.body.apiKeys.find((k) => k.id === created.id)).toMatchObject({ prefix: created.prefix });
    expect(listed.text).not.toContain(created.key);
    expect(listed.text).not.toContain(created.key.slice(-43));
    for (const key of listed.body.apiKeys) expect(key).not.toHaveProperty('key');

    const { rows } = await t.testDb.ownerQuery('select key_hash from api_keys where id = $1', [created.id]);
    expect(rows).toEqual([{ key_hash: createHash('sha256').update(created.key).digest('hex') }]);
    expect(await auditOf('api_key.created', created.id)).toEqual([
      { tenant_id: owner.tenantId, actor_type: 'user', actor_id: owner.userId },
    ]);
  });

  test('a request with the key acts as actor_type api_key in its workspace, and marks the key used', async () => {
    const writer = await createKey('publisher', ['skills:read', 'skills:write']);
    const skill = await bearer(writer.key).post<{ id: string }>('/skills', {
      slug: 'written-by-a-key',
      name: 'Written by a key',
      content: 'Step 1: be written by an integration.',
    });
    expect(skill.status).toBe(201);
    expect(await auditOf('skill.created', skill.body.id)).toEqual([
      { tenant_id: owner.tenantId, actor_type: 'api_key', actor_id: writer.id },
    ]);
    const { rows } = await t.testDb.ownerQuery('select tenant_id from skills where id = $1', [skill.body.id]);
    expect(rows).toEqual([{ tenant_id: owner.tenantId }]);

    const created = await createKey('robot');
    const robot = bearer(created.key);
    // An API key may not manage users: refused, and the refusal is recorded as the key's doing.
    const refused = await robot.get('/users');
    expect(errorOf(refused)).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    const [denied] = await securityEventsOf(t, owner.tenantId, 'permission_denied');
    expect(denied).toMatchObject({ user_id: null, details: { apiKeyId: created.id, action: 'list users' } });
    expect(await auditOf('security.permission_denied', denied?.id ?? '')).toEqual([
      { tenant_id: owner.tenantId, actor_type: 'api_key', actor_id: created.id },
    ]);

    // The last use is written behind (every 30 s and at close), not by the request itself.
    await t.db.flushCredentialUse();
    const listed = await owner.client.get<{ apiKeys: ApiKey[] }>('/api-keys');
    const used = listed.body.apiKeys.find((k) => k.id === created.id);
    expect(used?.lastUsedAt).not.toBeNull();
    expect(Date.now() - Date.parse(used?.lastUsedAt ?? '')).toBeLessThan(60_000);
  });

  test('a revoked key is refused', async () => {
    const created = await createKey('temporary');
    expect((await bearer(created.key).get('/users')).status).toBe(403);
    const revoked = await owner.client.delete<ApiKey>(`/api-keys/${created.id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).not.toBeNull();
    expect(errorOf(await bearer(created.key).get('/users'))).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    // Revoking again changes nothing and records nothing more.
    expect((await owner.client.delete(`/api-keys/${created.id}`)).status).toBe(200);
    expect(await auditOf('api_key.revoked', created.id)).toHaveLength(1);
  });

  test('an unknown key is refused, and a key is never mistaken for a session', async () => {
    expect((await bearer('sk_000000000000_not-a-real-key').get('/auth/me')).status).toBe(401);
    const created = await createKey('not a user');
    const response = await bearer(created.key).get('/auth/me');
    expect(errorOf(response)).toMatchObject({ status: 403, code: 'FORBIDDEN' });
  });
});

describe('API keys and other workspaces', () => {
  test("a key used on another workspace's host gets nothing and is recorded there", async () => {
    const created = await createKey('wanderer');
    const other = await signUpOwner(t, 'other');
    const response = await bearer(created.key).get('/users', { host: t.hostFor('other') });
    expect(errorOf(response)).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    await t.server.settled();
    const [blocked] = await securityEventsOf(t, other.tenantId, 'access_blocked');
    expect(blocked?.details).toMatchObject({
      reason: 'credential_of_another_tenant',
      credentialTenant: 'acme',
      apiKeyId: created.id,
    });
  });

  test("an admin cannot revoke another workspace's key; the attempt is recorded where the key lives", async () => {
    const created = await createKey('kept');
    const other = await signUpOwner(t, 'third');
    const refused = await other.client.delete(`/api-keys/${created.id}`);
    expect(errorOf(refused)).toEqual(errorOf(await other.client.delete(`/api-keys/${randomUUID()}`)));
    expect(refused.status).toBe(404);
    expect((await other.client.get<{ apiKeys: ApiKey[] }>('/api-keys')).body.apiKeys).toEqual([]);
    expect((await bearer(created.key).get('/users')).status).toBe(403);
    await t.server.settled();
    const blocked = (await securityEventsOf(t, owner.tenantId, 'access_blocked')).filter(
      (e) => e.details.resourceId === created.id,
    );
    expect(blocked).toMatchObject([
      {
        severity: 'high',
        details: { reason: 'cross_tenant_resource', resource: 'api_keys', fromTenant: other.tenantId },
      },
    ]);
  });

  test('a member can neither create nor list keys', async () => {
    const member = await inviteUser(t, owner, 'acme', 'mo@acme.test');
    expect((await member.client.post('/api-keys', { name: 'mine', scopes: ['skills:read'] })).status).toBe(403);
    expect((await member.client.get('/api-keys')).status).toBe(403);
    const denied = (await securityEventsOf(t, owner.tenantId, 'permission_denied')).filter(
      (e) => e.user_id === member.userId,
    );
    expect(denied.map((e) => e.details.action)).toEqual(['create API keys', 'list API keys']);
  });

  test('unknown scopes and fields are refused', async () => {
    const badScope = await owner.client.post('/api-keys', { name: 'x', scopes: ['everything'] });
    expect(errorOf(badScope)).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    const extra = await owner.client.post('/api-keys', { name: 'x', scopes: ['skills:read'], tenantId: 'other' });
    expect(errorOf(extra)).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
  });
});
