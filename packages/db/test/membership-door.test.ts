// Pending sign-ups and the sign-up throttle live outside every tenant and
// are reachable only through platform.request_sign_up, complete_sign_up and
// accept_invitation: the runtime role can neither read a pending request
// (its password hash, its token hash) nor forge one, nor call the helpers
// those doors use, nor see or plant an invitation without a tenant context.
import { createHash, randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Database } from '../src/database.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';

let testDb: TestDatabase;
let db: Database;
let app: pg.Client;

const tokenHash = () => createHash('sha256').update(randomBytes(32)).digest('hex');
const request = (email: string, slug: string, hash = tokenHash()) =>
  db.membership.requestSignUp({
    email,
    passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA',
    displayName: 'Test',
    workspace: { name: slug, slug },
    tokenHash: hash,
    ip: '192.0.2.1',
    requestId: 'door-test',
    maxPerIp: 100,
    windowMinutes: 15,
    validForHours: 24,
  });

/** The SQLSTATE a statement run as the runtime role fails with, or 'ok'. */
const asApp = (text: string, params: unknown[] = []) =>
  app.query(text, params).then(
    () => 'ok',
    (error: { code?: string }) => error.code,
  );

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await testDb.openApp({ maxConnections: 2 });
  app = new pg.Client({ connectionString: testDb.appUrl });
  await app.connect();
  expect(await request('someone@door.test', 'door')).toEqual({ outcome: 'pending', workspaces: [] });
});
afterAll(async () => {
  await app.end();
  await db.close();
  await testDb.drop();
});

describe('the runtime role', () => {
  test.each([
    ['reads pending sign-ups', 'select * from platform.sign_up_requests'],
    ['reads their password hashes', 'select password_hash from platform.sign_up_requests'],
    [
      'plants a sign-up request',
      `insert into platform.sign_up_requests (email, token_hash, password_hash, display_name, expires_at)
       values ('eve@acme.example', repeat('a', 64), 'x', 'Eve', now() + interval '1 day')`,
    ],
    ['marks one used', 'update platform.sign_up_requests set used_at = now(), password_hash = null'],
    ['resets the throttle', 'delete from platform.sign_up_attempts'],
    ['reads the throttle', 'select * from platform.sign_up_attempts'],
    ['asks which workspace a domain may join', `select * from platform.joinable_workspace('acme.example')`],
    ['names its own actor through the doors’ helper', `select platform.attribute_membership('someone', null, null)`],
    [
      'writes into any chain through the doors’ helper',
      `select platform.audit_membership('default', 'invitation.accepted', 'invitation', null, '{}')`,
    ],
  ])('cannot: %s', async (_what, statement) => {
    expect(await asApp(statement)).toBe('42501');
  });

  test('sees no invitation and can plant none without a tenant context', async () => {
    await testDb.ownerQuery(
      `insert into users (tenant_id, id, email, display_name, role)
       values ('default', '00000000-0000-4000-8000-000000000001', 'admin@default.test', 'Admin', 'admin');
       insert into invitations (tenant_id, email, role, token_hash, invited_by, expires_at)
       values ('default', 'guest@door.test', 'admin', repeat('b', 64), '00000000-0000-4000-8000-000000000001',
               now() + interval '7 days')`,
    );
    expect((await app.query('select * from invitations')).rows).toEqual([]);
    expect(
      await asApp(
        `insert into invitations (tenant_id, email, role, token_hash, invited_by, expires_at)
         values ('default', 'eve@door.test', 'owner', repeat('c', 64), '00000000-0000-4000-8000-000000000001', now() + interval '7 days')`,
      ),
    ).toBe('42501');
  });

  test('can only use a token it was given: an unknown hash creates nothing', async () => {
    const before = (await testDb.ownerQuery('select count(*)::int as n from users')).rows[0];
    expect(await db.membership.completeSignUp({ tokenHash: tokenHash(), ip: null, requestId: 'x' })).toEqual({
      outcome: 'unknown',
    });
    expect(
      await db.membership.acceptInvitation({
        tokenHash: tokenHash(),
        displayName: 'Eve',
        passwordHash: 'x',
        ip: null,
        requestId: 'x',
      }),
    ).toEqual({ outcome: 'unknown' });
    expect((await testDb.ownerQuery('select count(*)::int as n from users')).rows[0]).toEqual(before);
  });
});

test('two verifications of one token at once create one account', async () => {
  const hash = tokenHash();
  await request('twin@twins.test', 'twins', hash);
  const results = await Promise.allSettled([
    db.membership.completeSignUp({ tokenHash: hash, ip: null, requestId: 'a' }),
    db.membership.completeSignUp({ tokenHash: hash, ip: null, requestId: 'b' }),
  ]);
  const outcomes = results.map((r) => (r.status === 'fulfilled' ? r.value.outcome : 'rejected')).sort();
  expect(outcomes).toEqual(['created', 'used']);
  const { rows } = await testDb.ownerQuery(`select count(*)::int as n from users where email = 'twin@twins.test'`);
  expect(rows[0]).toEqual({ n: 1 });
});
