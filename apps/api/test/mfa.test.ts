import { currentTotp } from '@skillhub/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { errorOf, securityEventsOf, signIn } from './support/identity.ts';
import { type SignedUpUser, signUpOwner, startTestServer, type TestServer } from './support/test-server.ts';

let t: TestServer;
let user: SignedUpUser;
let secret: string;
let recoveryCodes: string[];
beforeAll(async () => {
  t = await startTestServer();
  user = await signUpOwner(t, 'acme');
});
afterAll(() => t.close());

const eventsOf = async (type: string) =>
  (await securityEventsOf(t, user.tenantId, type)).filter((e) => e.user_id === user.userId);

/** A fresh browser that has passed the password step; its session waits for the second factor. */
async function passwordStep() {
  const client = t.client.fork();
  const response = await signIn(client, user.email, user.password, 'acme');
  expect(response.status).toBe(200);
  expect(response.body.mfaRequired).toBe(true);
  return client;
}

describe('TOTP, in order', () => {
  test('setup gives a secret; a wrong code does not confirm it', async () => {
    const setup = await user.client.post<{ secret: string; otpauthUri: string }>('/auth/mfa/setup');
    expect(setup.status).toBe(200);
    secret = setup.body.secret;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(setup.body.otpauthUri).toMatch(/^otpauth:\/\/totp\/Skillhub:.+secret=/);

    const wrong = currentTotp(secret) === '000000' ? '111111' : '000000';
    expect(errorOf(await user.client.post('/auth/mfa/confirm', { code: wrong }))).toMatchObject({
      status: 400,
      code: 'VALIDATION_FAILED',
    });
    expect((await user.client.get('/auth/me')).body).toMatchObject({ user: { mfaEnabled: false } });
  });

  test('a current code confirms it: ten recovery codes, shown once, stored hashed', async () => {
    const confirmed = await user.client.post<{ recoveryCodes: string[] }>('/auth/mfa/confirm', {
      code: currentTotp(secret),
    });
    expect(confirmed.status).toBe(200);
    recoveryCodes = confirmed.body.recoveryCodes;
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    expect((await user.client.get('/auth/me')).body).toMatchObject({ user: { mfaEnabled: true } });
    expect(await eventsOf('mfa_enabled')).toHaveLength(1);

    const { rows } = await t.testDb.ownerQuery<{ code_hash: string }>(
      'select code_hash from mfa_recovery_codes where user_id = $1',
      [user.userId],
    );
    expect(rows).toHaveLength(10);
    for (const row of rows) expect(recoveryCodes).not.toContain(row.code_hash);
    // Confirming twice is refused.
    expect((await user.client.post('/auth/mfa/confirm', { code: currentTotp(secret) })).status).toBe(409);
  });

  test('sign-in now asks for the second factor: nothing is reachable until a valid code', async () => {
    const client = await passwordStep();
    expect((await client.get('/auth/me')).status).toBe(401);
    expect((await client.get('/auth/sessions')).status).toBe(401);
    expect(await eventsOf('login_success')).toHaveLength(1); // sign-up's only

    const wrong = currentTotp(secret) === '123456' ? '654321' : '123456';
    expect(errorOf(await client.post('/auth/mfa/verify', { code: wrong }))).toMatchObject({
      status: 401,
      code: 'UNAUTHENTICATED',
    });
    expect((await client.get('/auth/me')).status).toBe(401);
    expect((await eventsOf('login_failed')).map((e) => e.details.reason)).toEqual(['wrong_second_factor']);

    expect((await client.post('/auth/mfa/verify', { code: currentTotp(secret) })).status).toBe(200);
    expect((await client.get('/auth/me')).status).toBe(200);
    const successes = await eventsOf('login_success');
    expect(successes.at(-1)?.details).toEqual({ mfa: true });
  });

  test('a recovery code works once', async () => {
    const [code] = recoveryCodes;
    if (!code) throw new Error('no recovery code');
    const first = await passwordStep();
    expect((await first.post('/auth/mfa/verify', { code: code.toUpperCase() })).status).toBe(200);
    expect((await first.get('/auth/me')).status).toBe(200);

    const second = await passwordStep();
    expect((await second.post('/auth/mfa/verify', { code })).status).toBe(401);
    expect((await second.get('/auth/me')).status).toBe(401);
  });

  test('without a pending sign-in, a code proves nothing', async () => {
    const stranger = t.client.fork();
    expect((await stranger.post('/auth/mfa/verify', { code: currentTotp(secret) })).status).toBe(401);
    // A live session is not a pending one either.
    expect((await user.client.post('/auth/mfa/verify', { code: currentTotp(secret) })).status).toBe(401);
  });

  test('disabling needs the password and a code', async () => {
    // The next period's code: the current one may have been spent signing in above.
    const code = currentTotp(secret, Date.now() + 30_000);
    const noPassword = await user.client.post('/auth/mfa/disable', { password: 'not my password', code });
    expect(errorOf(noPassword)).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    const wrongCode = code === '000000' ? '111111' : '000000';
    const noCode = await user.client.post('/auth/mfa/disable', { password: user.password, code: wrongCode });
    expect(errorOf(noCode)).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    expect(await eventsOf('mfa_disabled')).toHaveLength(0);

    expect((await user.client.post('/auth/mfa/disable', { password: user.password, code })).status).toBe(200);
    expect((await user.client.get('/auth/me')).body).toMatchObject({ user: { mfaEnabled: false } });
    expect(await eventsOf('mfa_disabled')).toMatchObject([{ severity: 'medium' }]);
    const { rows } = await t.testDb.ownerQuery(
      `select (select count(*)::int from mfa_recovery_codes where user_id = $1) as codes,
              (select mfa_secret from users where id = $1) as secret`,
      [user.userId],
    );
    expect(rows[0]).toEqual({ codes: 0, secret: null });

    const client = t.client.fork();
    expect((await signIn(client, user.email, user.password, 'acme')).body.mfaRequired).toBe(false);
    expect((await client.get('/auth/me')).status).toBe(200);
  });
});

describe('TOTP codes are good once', () => {
  test('a code that completed a sign-in cannot complete another (RFC 6238, 5.2)', async () => {
    const other = await signUpOwner(t, 'replay');
    const setup = await other.client.post<{ secret: string }>('/auth/mfa/setup');
    const { secret: otherSecret } = setup.body;
    expect((await other.client.post('/auth/mfa/confirm', { code: currentTotp(otherSecret) })).status).toBe(200);
    const pending = async () => {
      const client = t.client.fork();
      expect((await signIn(client, other.email, other.password, 'replay')).body.mfaRequired).toBe(true);
      return client;
    };
    const code = currentTotp(otherSecret);
    const first = await pending();
    expect((await first.post('/auth/mfa/verify', { code })).status).toBe(200);
    const replay = await pending();
    expect((await replay.post('/auth/mfa/verify', { code })).status).toBe(401);
    expect((await replay.get('/auth/me')).status).toBe(401);
    // The next period's code is new, and works.
    const later = currentTotp(otherSecret, Date.now() + 30_000);
    expect((await replay.post('/auth/mfa/verify', { code: later })).status).toBe(200);
    expect((await replay.get('/auth/me')).status).toBe(200);
  });
});

// Finding 8: enabling or disabling MFA left other sessions alive, and the
// TOTP secret sat in the database in plain text.
describe('MFA changes end the other sessions; the secret is sealed at rest', () => {
  test('turning TOTP on ends the user’s other sessions, then turning it off ends them again', async () => {
    const someone = await signUpOwner(t, 'ends');
    const otherBrowser = t.client.fork();
    expect((await signIn(otherBrowser, someone.email, someone.password, 'ends')).status).toBe(200);
    const setup = await someone.client.post<{ secret: string }>('/auth/mfa/setup');
    const confirmed = await someone.client.post<{ recoveryCodes: string[] }>('/auth/mfa/confirm', {
      code: currentTotp(setup.body.secret),
    });
    expect(confirmed.status).toBe(200);
    expect((await otherBrowser.get('/auth/me')).status).toBe(401);
    expect((await someone.client.get('/auth/me')).status).toBe(200);

    const second = t.client.fork();
    expect((await signIn(second, someone.email, someone.password, 'ends')).status).toBe(200);
    const next = currentTotp(setup.body.secret, Date.now() + 30_000);
    expect((await second.post('/auth/mfa/verify', { code: next })).status).toBe(200);
    expect((await second.get('/auth/me')).status).toBe(200);
    const code = confirmed.body.recoveryCodes[0];
    expect((await someone.client.post('/auth/mfa/disable', { password: someone.password, code })).status).toBe(200);
    expect((await second.get('/auth/me')).status).toBe(401);
    expect((await someone.client.get('/auth/me')).status).toBe(200);
    const ended = (await securityEventsOf(t, someone.tenantId, 'session_terminated')).map((e) => e.details.reason);
    expect(ended).toEqual(expect.arrayContaining(['mfa_enabled', 'mfa_disabled']));
  });

  test('the database holds the secret only sealed, and refuses a plain one', async () => {
    const sealed = await signUpOwner(t, 'sealed');
    const setup = await sealed.client.post<{ secret: string }>('/auth/mfa/setup');
    const { rows } = await t.testDb.ownerQuery<{ mfa_secret: string }>('select mfa_secret from users where id = $1', [
      sealed.userId,
    ]);
    const stored = rows[0]?.mfa_secret ?? '';
    expect(stored).toMatch(/^v1\.[0-9a-f]{16}\./);
    expect(stored).not.toContain(setup.body.secret);
    expect(stored.toUpperCase()).not.toContain(setup.body.secret.slice(0, 8));
    // Nothing in the ledger either.
    const ledger = await t.testDb.ownerQuery('select 1 from audit_logs where new_record::text like $1', [
      `%${setup.body.secret}%`,
    ]);
    expect(ledger.rows).toEqual([]);
    // A plain secret written around the server (an injection, a careless script) is refused.
    const plain = await t.testDb
      .ownerQuery('update users set mfa_secret = $2 where id = $1', [sealed.userId, setup.body.secret])
      .catch((e: { code?: string }) => e.code);
    expect(plain).toBe('23514');
    // And the sealed one is usable: confirming works.
    expect((await sealed.client.post('/auth/mfa/confirm', { code: currentTotp(setup.body.secret) })).status).toBe(200);
  });
});
