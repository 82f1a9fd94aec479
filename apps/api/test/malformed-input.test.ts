import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { HttpResponse } from './support/http-client.ts';
import { errorOf, inviteUser, securityEventsOf } from './support/identity.ts';
import { type SignedUpUser, signUpOwner, startTestServer, type TestServer } from './support/test-server.ts';

let t: TestServer;
let owner: SignedUpUser;
beforeAll(async () => {
  t = await startTestServer();
  owner = await signUpOwner(t, 'acme');
});
afterAll(() => t.close());

/** Row counts of everything a refused request could have written. */
const footprint = async () =>
  (
    await t.testDb.ownerQuery(
      `select (select count(*)::int from tenants) as tenants, (select count(*)::int from users) as users,
              (select count(*)::int from user_sessions) as sessions, (select count(*)::int from api_keys) as keys,
              (select count(*)::int from security_events) as events, (select count(*)::int from audit_logs) as audit`,
    )
  ).rows[0];

const valid = {
  email: 'new@new.test',
  password: 'a long enough password',
  displayName: 'New',
  workspace: { name: 'New', slug: 'new' },
};
const tooLong = 'x'.repeat(257);

const cases: [string, string, { body?: unknown; rawBody?: string; contentType?: string }, string][] = [
  ['sign-up with an unknown field', '/auth/sign-up', { body: { ...valid, role: 'owner' } }, 'VALIDATION_FAILED'],
  [
    'sign-up with an unknown nested field',
    '/auth/sign-up',
    { body: { ...valid, workspace: { ...valid.workspace, plan: 'enterprise' } } },
    'VALIDATION_FAILED',
  ],
  [
    'sign-up with an overlong password',
    '/auth/sign-up',
    { body: { ...valid, password: tooLong } },
    'VALIDATION_FAILED',
  ],
  ['sign-up with a short password', '/auth/sign-up', { body: { ...valid, password: 'short' } }, 'VALIDATION_FAILED'],
  ['sign-up with a bad email', '/auth/sign-up', { body: { ...valid, email: 'not-an-email' } }, 'VALIDATION_FAILED'],
  [
    'sign-up with a bad slug',
    '/auth/sign-up',
    { body: { ...valid, workspace: { name: 'x', slug: 'Bad Slug' } } },
    'VALIDATION_FAILED',
  ],
  ['sign-up with a non-JSON body', '/auth/sign-up', { rawBody: 'email=a@b.test&password=x' }, 'BAD_REQUEST'],
  ['sign-up with truncated JSON', '/auth/sign-up', { rawBody: '{"email": "a@b.test", ' }, 'BAD_REQUEST'],
  ['sign-up with a JSON array', '/auth/sign-up', { body: [valid] }, 'VALIDATION_FAILED'],
  [
    'sign-in with an unknown field',
    '/auth/sign-in',
    { body: { email: 'a@acme.test', password: 'x', workspace: 'acme', remember: true } },
    'VALIDATION_FAILED',
  ],
  [
    'sign-in with an overlong password',
    '/auth/sign-in',
    { body: { email: 'a@acme.test', password: 'x'.repeat(1025), workspace: 'acme' } },
    'VALIDATION_FAILED',
  ],
  ['sign-in with a non-JSON body', '/auth/sign-in', { rawBody: 'hello', contentType: 'text/plain' }, 'BAD_REQUEST'],
  [
    'sign-in with a number for a password',
    '/auth/sign-in',
    { body: { email: 'a@acme.test', password: 1 } },
    'VALIDATION_FAILED',
  ],
  [
    'MFA verify with an unknown field',
    '/auth/mfa/verify',
    { body: { code: '123456', trust: true } },
    'VALIDATION_FAILED',
  ],
];

test.each(cases)('%s: 400, nothing written', async (_name, path, input, code) => {
  const before = await footprint();
  const response = await t.client.fork().request('POST', path, {
    ...(input.rawBody === undefined ? { body: input.body } : { rawBody: input.rawBody }),
    headers: input.contentType ? { 'content-type': input.contentType } : {},
  });
  expect(errorOf(response)).toMatchObject({ status: 400, code });
  expect(response.text).not.toMatch(/stack|at \w+ \(/);
  expect(await footprint()).toEqual(before);
});

test('signed-in routes refuse malformed bodies too, before changing anything', async () => {
  const before = await footprint();
  const attempts = [
    owner.client.post('/auth/password', { currentPassword: owner.password, newPassword: tooLong }),
    owner.client.post('/auth/password', { currentPassword: owner.password, newPassword: 'a new password', x: 1 }),
    owner.client.post('/users', { email: 'u@acme.test', displayName: 'U', role: 'superuser' }),
    owner.client.post('/api-keys', { name: '', scopes: ['skills:read'] }),
    owner.client.request('POST', '/api-keys', { rawBody: 'not json' }),
    owner.client.patch(`/users/${owner.userId}/role`, { role: 'owner', reason: 'because' }),
  ];
  for (const response of await Promise.all(attempts)) {
    expect(errorOf(response)).toMatchObject({ status: 400 });
  }
  expect(await footprint()).toEqual(before);
  expect((await owner.client.get('/auth/me')).status).toBe(200);
});

test('a body over the size limit is refused with 413', async () => {
  const response = await t.client.fork().request('POST', '/auth/sign-in', { rawBody: 'x'.repeat(1024 * 1024 + 1) });
  expect(errorOf(response)).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
});

// Finding 9 of issue 11: each of these reached PostgreSQL, which refused it
// (a 500 before the database errors were classified, then a 400 that named
// no field). Now each is refused before SQL, naming where the bad value sat.
describe('text and values PostgreSQL refuses are refused before SQL, naming the field', () => {
  const refusedAt = (response: HttpResponse, path: string) => {
    expect(errorOf(response), response.text).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    expect((response.body as { error: { details?: unknown } }).error.details).toEqual([
      expect.objectContaining({ path }),
    ]);
  };

  test.each([
    ['/auth/sign-in', { email: 'a@acme.test', password: 'pass\u0000word', workspace: 'acme' }, 'body.password'],
    ['/auth/sign-in', { email: 'a@acme.test', password: 'x', workspace: 'ac\u0000me' }, 'body.workspace'],
    ['/auth/sign-up', { ...valid, displayName: 'New\u0000' }, 'body.displayName'],
    ['/auth/sign-up', { ...valid, workspace: { name: 'N\u0000', slug: 'new' } }, 'body.workspace.name'],
    ['/auth/sign-up', { ...valid, displayName: 'half \ud800 a pair' }, 'body.displayName'],
  ])('POST %s with %j: 400 at %s, nothing written', async (path, body, field) => {
    const before = await footprint();
    refusedAt(await t.client.fork().post(path, body), field);
    expect(await footprint()).toEqual(before);
  });

  test.each([
    ['/search?q=%00', 'query.q'],
    ['/search?q=a%00b', 'query.q'],
    ...['actor', 'action', 'resourceType', 'resourceId'].map((name) => [`/audit-events?${name}=%00`, `query.${name}`]),
  ])('GET %s: 400 at %s', async (url, field) => {
    refusedAt(await owner.client.get(url), field);
  });

  test.each([
    ['GET', '/skills/%00'],
    ['PATCH', '/skills/%00'],
    ['DELETE', '/skills/%00'],
    ['POST', '/skills/%00/versions'],
    ['GET', '/skills/%00/versions'],
    ['GET', '/skills/%00/versions/1'],
    ['PUT', '/skills/%00/rating'],
    ['DELETE', '/skills/%00/rating'],
    ['GET', '/skills/%00/review'],
    ['PUT', '/skills/%00/review'],
    ['POST', '/skills/%00/usage'],
    ['GET', '/skills/%00/usage'],
    ['GET', '/skills/%00/similar'],
  ])('%s %s: 400 at path.ref', async (method, url) => {
    const body = method === 'GET' || method === 'DELETE' ? undefined : {};
    refusedAt(await owner.client.request(method, url, body === undefined ? {} : { body }), 'path.ref');
  });

  const cursorOf = (value: unknown, id: unknown = randomUUID()) =>
    Buffer.from(JSON.stringify([value, id])).toString('base64url');
  test.each([
    ['/audit-events', cursorOf('9999-99-99T99:99:99Z')],
    ['/audit-events', cursorOf('0000-01-01T00:00:00Z')],
    ['/security-events', cursorOf('9999-99-99T99:99:99Z')],
    ['/security-events', cursorOf('2023-02-29T00:00:00Z')],
    ['/skills', cursorOf('9999-99-99T99:99:99Z')],
    ['/skills', cursorOf('0000-01-01T00:00:00Z')],
    ['/skills', cursorOf('not a date')],
    ['/skills', cursorOf(1e308)],
    ['/skills', cursorOf('2024-01-01T00:00:00.000Z', '-'.repeat(36))],
    ['/skills?sort=rating', cursorOf(1e308)],
    ['/skills?sort=name', cursorOf('a\u0000b')],
  ])('%s with an impossible cursor: 400, start again', async (url, cursor) => {
    const response = await owner.client.get(`${url}${url.includes('?') ? '&' : '?'}cursor=${cursor}`);
    expect(errorOf(response)).toEqual({
      status: 400,
      code: 'VALIDATION_FAILED',
      message: 'The cursor is not valid; start again without it.',
    });
  });

  test.each([
    'to=0000-01-01T00:00:00Z',
    'from=2023-02-31T00:00:00Z',
    'to=9999-12-31T23:00:00-02:00',
  ])('usage stats with %s: 400 at the date', async (query) => {
    const skill = await owner.client.post<{ id: string }>('/skills', { slug: `u-${randomUUID()}`, name: 'U' });
    refusedAt(await owner.client.get(`/skills/${skill.body.id}/usage?${query}`), query.split('=')[0] ?? '');
  });

  test('a member sending %00 to an admin route is refused as a member, and the denial recorded with the path as sent', async () => {
    const member = await inviteUser(t, owner, 'acme', `m-${randomUUID()}@acme.test`);
    const response = await member.client.get('/users/%00');
    expect(errorOf(response)).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    const denied = await securityEventsOf(t, owner.tenantId, 'permission_denied');
    expect(denied.at(-1)).toMatchObject({ user_id: member.userId, details: { path: '/users/%00' } });
  });
});
