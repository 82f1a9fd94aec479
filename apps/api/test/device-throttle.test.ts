import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { HttpClient } from './support/http-client.ts';
import { ageSignInEvents, errorOf, signIn } from './support/identity.ts';
import { type SignedUpUser, signUpOwner, startTestServer, type TestServer } from './support/test-server.ts';

// Finding 5: five wrong passwords from anywhere locked an account for 15
// minutes, its owner included. Now a browser that signed in as the user
// before carries a signed device cookie and is exempt from the per-email
// block (OWASP's device cookie). The server trusts the loopback proxy here,
// so X-Forwarded-For stands for each party's own address.
let t: TestServer;
let owner: SignedUpUser;
let ownersBrowser: HttpClient;
const attackerIp = '203.0.113.66';
const ownerIp = '198.51.100.20';

beforeAll(async () => {
  t = await startTestServer({ trustedProxies: ['loopback'] });
  owner = await signUpOwner(t, 'acme');
  ownersBrowser = t.client.fork({ headers: { 'x-forwarded-for': ownerIp } });
  // The owner signed in from this browser before: it holds a device cookie.
  expect((await signIn(ownersBrowser, owner.email, owner.password, 'acme')).status).toBe(200);
});
afterAll(() => t.close());
beforeEach(() => ageSignInEvents(t));

const from = (ip: string, cookies: Record<string, string> = {}) => {
  const client = t.client.fork({ headers: { 'x-forwarded-for': ip } });
  for (const [name, value] of Object.entries(cookies)) client.cookies.set(name, value);
  return client;
};

async function attackerFails(times: number, email = owner.email) {
  for (let i = 0; i < times; i++) {
    expect((await signIn(from(attackerIp), email, `guess ${i}`, 'acme')).status).toBe(401);
  }
}

const deviceCookieOf = (client: HttpClient) => client.cookies.get('skillhub_device') ?? '';

describe('an attacker who knows the email', () => {
  test('a complete sign-in leaves a signed device cookie, HttpOnly, for /auth only', async () => {
    expect(ownersBrowser.cookies.get('skillhub_device')).toMatch(/^v1\.[^.]+\.[0-9a-f-]{36}\./);
    const response = await signIn(t.client.fork(), owner.email, owner.password, 'acme');
    const cookie = (response.headers['set-cookie'] ?? []).find((c) => c.startsWith('skillhub_device='));
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/Path=\/auth/);
  });

  test('blocks browsers without the cookie, but the owner’s browser still signs in', async () => {
    await attackerFails(5);
    expect(errorOf(await signIn(from(attackerIp), owner.email, owner.password, 'acme'))).toMatchObject({
      status: 429,
      code: 'THROTTLED',
    });
    expect((await signIn(from('192.0.2.1'), owner.email, owner.password, 'acme')).status).toBe(429);
    const signedIn = await signIn(ownersBrowser, owner.email, owner.password, 'acme');
    expect(signedIn.status).toBe(200);
    expect((await ownersBrowser.get('/auth/me')).status).toBe(200);
  });

  test('the owner’s own typos count against the device, not the email', async () => {
    for (let i = 0; i < 6; i++) expect((await signIn(ownersBrowser, owner.email, 'typo', 'acme')).status).toBe(401);
    // Six failures from the trusted browser did not lock the email for anyone else.
    expect((await signIn(from('192.0.2.2'), owner.email, owner.password, 'acme')).status).toBe(200);
  });
});

describe('a stolen or forged device cookie does not help', () => {
  test('an altered signature, another user’s cookie, and a tampered payload are ignored', async () => {
    const mallory = await signUpOwner(t, 'mallory-co', 'mallory@acme.test');
    const malloryBrowser = from(attackerIp);
    await ageSignInEvents(t);
    expect((await signIn(malloryBrowser, mallory.email, mallory.password, 'mallory-co')).status).toBe(200);
    await attackerFails(5);
    const genuine = deviceCookieOf(ownersBrowser);
    const parts = genuine.split('.');
    const forgeries = {
      alteredSignature: `${parts.slice(0, 5).join('.')}.${'A'.repeat(43)}`,
      anotherUsers: deviceCookieOf(malloryBrowser),
      tamperedPayload: [parts[0], parts[1], owner.userId, 'a-device-of-my-own', parts[4], parts[5]].join('.'),
      garbage: 'not a cookie',
    };
    for (const [name, cookie] of Object.entries(forgeries)) {
      const response = await signIn(from(attackerIp, { skillhub_device: cookie }), owner.email, owner.password, 'acme');
      expect(response.status, name).toBe(429);
    }
  });

  test('a copied genuine cookie is capped by its own counter: 10 failures, then paused', async () => {
    const stolen = deviceCookieOf(ownersBrowser);
    for (let i = 0; i < 10; i++) {
      const response = await signIn(from(attackerIp, { skillhub_device: stolen }), owner.email, `guess ${i}`, 'acme');
      expect(response.status).toBe(401);
    }
    const paused = await signIn(from(attackerIp, { skillhub_device: stolen }), owner.email, owner.password, 'acme');
    expect(errorOf(paused)).toMatchObject({ status: 429, code: 'THROTTLED' });
  });
});

describe('while paused', () => {
  test('an existing and an unknown email get the same answer: code, text and Retry-After', async () => {
    const unknown = 'nobody-at-all@acme.test';
    const started = Date.now();
    await attackerFails(5);
    await attackerFails(5, unknown);
    // The unknown email's pause began up to this long after the existing one's (each failure hashes a password).
    const apart = Math.ceil((Date.now() - started) / 1000);
    const existing = await signIn(from('192.0.2.10'), owner.email, owner.password, 'acme');
    const missing = await signIn(from('192.0.2.11'), unknown, 'any password at all', 'acme');
    expect(errorOf(existing)).toEqual(errorOf(missing));
    expect(errorOf(existing)).toEqual({
      status: 429,
      code: 'THROTTLED',
      message: 'Sign-in is paused after too many failed attempts. Try again in 15 minutes.',
    });
    const retryAfter = [existing, missing].map((r) => Number(r.headers['retry-after']));
    expect(retryAfter[0]).toBeGreaterThan(880);
    expect(retryAfter[1]).toBeGreaterThan(880);
    // Each pause counts down from its own start; whole seconds round either way.
    const later = (retryAfter[1] ?? 0) - (retryAfter[0] ?? 0);
    expect(later).toBeGreaterThanOrEqual(-1);
    expect(later).toBeLessThanOrEqual(apart + 1);
  });
});
