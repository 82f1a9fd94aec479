import { afterAll, beforeAll, expect, test } from 'vitest';
import { inviteUser } from './support/identity.ts';
import { type SignedUpUser, signUpOwner, startTestServer, type TestServer } from './support/test-server.ts';

// Citus plan, step 2 (migration 0055): references to a user or an API key no longer clear themselves on
// delete. The ways a person or a key leaves (revocation, deactivation, erasure) must keep working end to end and
// leave every reference pointing at a row that exists; a delete behind them must be refused.

let t: TestServer;
let owner: SignedUpUser;
beforeAll(async () => {
  t = await startTestServer();
  owner = await signUpOwner(t, 'acme');
});
afterAll(() => t.close());

test('a key revoked and its creator deactivated and erased through the API leave no dangling reference', async () => {
  const admin = await inviteUser(t, owner, 'acme', 'leaver@acme.example', 'admin');
  expect((await admin.client.post('/skills', { slug: 'leavers-skill', name: 'Leaver’s', content: 'x' })).status).toBe(
    201,
  );
  const key = await admin.client.post<{ id: string; key: string }>('/api-keys', {
    name: 'agent',
    scopes: ['skills:read', 'usage:write'],
  });
  expect(key.status).toBe(201);
  const agent = t.client.fork({ headers: { authorization: `Bearer ${key.body.key}` } });
  expect((await agent.post('/skills/leavers-skill/usage', { source: 'agent' })).status).toBe(201);

  expect((await owner.client.delete(`/api-keys/${key.body.id}`)).status).toBe(200);
  expect((await owner.client.post(`/users/${admin.userId}/deactivate`, {})).status).toBe(200);
  const erased = await owner.client.post('/audit/erasures', { subject: admin.userId, dryRun: false });
  expect(erased.status).toBe(200);

  const { rows } = await t.testDb.ownerQuery<{ author: string; creator: string; used_by_key: string }>(
    `select s.author_id as author, k.created_by as creator, u.api_key_id as used_by_key
     from skills s
     join api_keys k on k.tenant_id = s.tenant_id and k.created_by = s.author_id
     join users p on p.tenant_id = s.tenant_id and p.id = s.author_id
     join usage_events u on u.tenant_id = k.tenant_id and u.api_key_id = k.id
     where s.tenant_id = $1 and s.slug = 'leavers-skill'`,
    [owner.tenantId],
  );
  expect(rows).toEqual([{ author: admin.userId, creator: admin.userId, used_by_key: key.body.id }]);

  // Behind the doors, even the owner of the database cannot take the person or the key away from what names them.
  for (const [statement, id] of [
    ['delete from users where tenant_id = $1 and id = $2', admin.userId],
    ['delete from api_keys where tenant_id = $1 and id = $2', key.body.id],
  ] as const) {
    const refused = await t.testDb.ownerQuery(statement, [owner.tenantId, id]).then(
      () => 'deleted',
      (error: { code?: string }) => error.code,
    );
    expect(refused, statement).toBe('23503');
  }
});
