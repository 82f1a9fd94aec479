import { afterAll, beforeAll, expect, test } from 'vitest';
import { errorOf } from './support/identity.ts';
import { type SignedUpUser, signUpOwner, startTestServer, type TestServer } from './support/test-server.ts';

/**
 * Database errors that a request can provoke answer with their meaning
 * (400, 409, 503), never a 500: each case once reached the client as
 * INTERNAL because the HTTP error handler mapped no database error.
 */
let t: TestServer;
let owner: SignedUpUser;
let skillId: string;

beforeAll(async () => {
  t = await startTestServer();
  owner = await signUpOwner(t, 'acme');
  const created = await owner.client.post<{ id: string }>('/skills', { slug: 'one', name: 'One', content: 'text' });
  skillId = created.body.id;
});
afterAll(() => t.close());

const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

test.each([
  ['a NUL byte in a search', '/search?q=%00'],
  ['a NUL byte in a skill slug filter', '/skills?tag=a%00'],
  ['an impossible date in a usage range', `/skills/{id}/usage?to=0000-01-01T00:00:00Z`],
  [
    'an impossible date in a cursor',
    `/skills?cursor=${cursorOf(['9999-99-99T99:99:99Z', '00000000-0000-4000-8000-000000000000'])}`,
  ],
])('%s is a 4xx with a code, not a 500', async (_name, path) => {
  const response = await owner.client.get(path.replace('{id}', skillId));
  expect(response.status).toBeGreaterThanOrEqual(400);
  expect(response.status).toBeLessThan(500);
  expect(errorOf(response).code).toMatch(/^(VALIDATION_FAILED|NOT_FOUND)$/);
});

test('a NUL byte in a body is refused and nothing is written', async () => {
  const response = await owner.client.post('/skills', { slug: 'nul', name: 'a\u0000b', content: 'text' });
  expect(errorOf(response)).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
  const { rows } = await t.testDb.ownerQuery(`select count(*)::int as n from skills where slug = 'nul'`);
  expect(rows[0]).toEqual({ n: 0 });
});

test('a unique violation the use case did not foresee is a 409 CONFLICT', async () => {
  // Two first reviews of one skill race for the (tenant_id, skill_id) unique key.
  const results = await Promise.all(
    [1, 2, 3, 4].map(() => owner.client.request('PUT', `/skills/${skillId}/review`, { body: { status: 'approved' } })),
  );
  for (const response of results) expect([200, 201, 409]).toContain(response.status);
  expect(results.filter((r) => r.status === 201)).toHaveLength(1);
});

test('a database that has gone away is a 503 UNAVAILABLE with Retry-After and the request id', async () => {
  const server = await startTestServer();
  const user = await signUpOwner(server, 'gone');
  await server.db.close();
  const response = await user.client.get('/skills');
  expect(errorOf(response)).toMatchObject({ status: 503, code: 'UNAVAILABLE' });
  expect(response.headers['x-request-id']).toBeTruthy();
  expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
  await server.testDb.drop();
});

test('reads in flight while the database ends the connections of their requests, as in a restart, all answer', async () => {
  const statuses: number[] = [];
  let reading = true;
  const reader = async () => {
    while (reading) statuses.push((await owner.client.get('/skills')).status);
  };
  const readers = Array.from({ length: 8 }, reader);
  await new Promise((resolve) => setTimeout(resolve, 200));
  // Not the connection listening for credential changes: without it the cache serves nothing, and a
  // credential is resolved by a platform door's statement, which is not run again (a statement outside a
  // transaction commits before it answers).
  const { rows } = await t.testDb.ownerQuery<{ ended: boolean }>(
    `select pg_terminate_backend(pid) as ended from pg_stat_activity where datname = current_database()
       and pid <> pg_backend_pid() and usename <> current_user and query not like 'listen %'`,
  );
  expect(rows.length).toBeGreaterThan(0);
  await new Promise((resolve) => setTimeout(resolve, 300));
  reading = false;
  await Promise.all(readers);
  expect(statuses.length).toBeGreaterThan(16);
  expect(statuses.filter((status) => status !== 200)).toEqual([]);
});
