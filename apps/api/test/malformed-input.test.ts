import { afterAll, beforeAll, expect, test } from 'vitest';
import { errorOf } from './support/identity.ts';
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
