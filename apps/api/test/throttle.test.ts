import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { ageSignInEvents, errorOf, securityEventsOf, setTenantSettings, signIn } from './support/identity.ts';
import { type SignedUpUser, signUpOwner, startTestServer, type TestServer } from './support/test-server.ts';

// Every request comes from 127.0.0.1, and the IP counts span workspaces, so
// each test starts with the sign-in history of this database moved a day back.
let t: TestServer;
let owner: SignedUpUser;
beforeAll(async () => {
  t = await startTestServer();
  owner = await signUpOwner(t, 'acme');
});
afterAll(() => t.close());
beforeEach(async () => {
  await ageSignInEvents(t);
  await setTenantSettings(t, owner.tenantId, {});
});

const attempt = (email: string, password: string) => signIn(t.client.fork(), email, password, 'acme');

/** `count` failed sign-ins, each for its own unknown email unless `email` is given. */
async function fail(count: number, email?: string) {
  for (let i = 0; i < count; i++) {
    const response = await attempt(email ?? `nobody-${i}-${Math.random()}@acme.test`, 'wrong password');
    expect(response.status).toBe(401);
  }
}

const throttledBy = async (reason: string) =>
  (await securityEventsOf(t, owner.tenantId, 'access_blocked')).filter((e) => e.details.reason === reason);

describe('per email', () => {
  test('the 6th attempt after five failures is blocked, even with the right password', async () => {
    await fail(5, owner.email);
    const before = (await throttledBy('throttled_by_email')).length;
    const blocked = await attempt(owner.email, owner.password);
    expect(errorOf(blocked)).toMatchObject({ status: 429, code: 'THROTTLED' });
    const after = await throttledBy('throttled_by_email');
    expect(after).toHaveLength(before + 1);
    expect(after.at(-1)).toMatchObject({ email: owner.email, severity: 'medium' });
    expect(Number(after.at(-1)?.details.retryAfterSeconds)).toBeGreaterThan(800);
    // Another account from the same IP is not affected.
    const colleague = await signUpOwner(t, 'colleague');
    expect((await signIn(t.client.fork(), colleague.email, colleague.password, 'colleague')).status).toBe(200);
  });

  test('four failures still let the right password in', async () => {
    await fail(4, owner.email);
    expect((await attempt(owner.email, owner.password)).status).toBe(200);
  });

  test('the email is compared case-insensitively', async () => {
    await fail(5, owner.email.toUpperCase());
    expect((await attempt(owner.email, owner.password)).status).toBe(429);
  });

  test('the block lifts when the failures leave the 15-minute window', async () => {
    await fail(5, owner.email);
    expect((await attempt(owner.email, owner.password)).status).toBe(429);
    await ageSignInEvents(t, '16 minutes', ['login_failed']);
    expect((await attempt(owner.email, owner.password)).status).toBe(200);
  });

  test('failures in one workspace do not lock the same email in another', async () => {
    const email = 'twin@twins.test';
    const here = await signUpOwner(t, 'twin-one', email);
    const there = await signUpOwner(t, 'twin-two', email);
    await ageSignInEvents(t);
    for (let i = 0; i < 5; i++) await signIn(t.client.fork(), email, 'wrong password', 'twin-one');
    expect((await signIn(t.client.fork(), email, here.password, 'twin-one')).status).toBe(429);
    expect((await signIn(t.client.fork(), email, there.password, 'twin-two')).status).toBe(200);
  });
});

describe('per IP', () => {
  test('the 11th attempt after ten failures from one IP is blocked', async () => {
    await fail(10);
    const blocked = await attempt(owner.email, owner.password);
    expect(errorOf(blocked)).toMatchObject({ status: 429, code: 'THROTTLED' });
    expect((await throttledBy('throttled_by_ip')).at(-1)).toMatchObject({ ip_address: '127.0.0.1' });
  });

  test('an IP from which many accounts signed in (an office) gets twice the allowance: 20', async () => {
    for (const n of [1, 2, 3, 4]) await signUpOwner(t, `office-${n}`);
    expect((await attempt(owner.email, owner.password)).status).toBe(200); // the fifth account
    await fail(10);
    expect((await attempt(owner.email, owner.password)).status).toBe(200);
    await fail(10);
    expect((await attempt(owner.email, owner.password)).status).toBe(429);
    expect((await throttledBy('throttled_by_ip')).at(-1)?.details.reason).toBe('throttled_by_ip');
  });
});

describe('per workspace settings', () => {
  test('an allowlisted IP is never throttled', async () => {
    await setTenantSettings(t, owner.tenantId, { allowlist: { ips: ['127.0.0.1/32'] } });
    await fail(6, owner.email);
    await fail(6);
    expect((await attempt(owner.email, owner.password)).status).toBe(200);
  });

  test('thresholds are the workspace’s own', async () => {
    await setTenantSettings(t, owner.tenantId, { throttle: { maxFailuresPerEmail: 3 } });
    await fail(3, owner.email);
    expect((await attempt(owner.email, owner.password)).status).toBe(429);
    await setTenantSettings(t, owner.tenantId, { throttle: { maxFailuresPerEmail: 4 } });
    expect((await attempt(owner.email, owner.password)).status).toBe(200);
  });

  test('a blocklisted email or IP is refused with the same answer, recorded as blacklist_hit', async () => {
    const wrong = errorOf(await attempt(owner.email, 'wrong password'));
    await setTenantSettings(t, owner.tenantId, { blocklist: { emails: [owner.email.toUpperCase()] } });
    expect(errorOf(await attempt(owner.email, owner.password))).toEqual(wrong);
    await setTenantSettings(t, owner.tenantId, { blocklist: { ips: ['127.0.0.0/8'] } });
    expect(errorOf(await attempt(owner.email, owner.password))).toEqual(wrong);
    await setTenantSettings(t, owner.tenantId, { blocklist: { emails: ['@acme.test'] } });
    expect(errorOf(await attempt(owner.email, owner.password))).toEqual(wrong);
    expect(await securityEventsOf(t, owner.tenantId, 'blacklist_hit')).toHaveLength(3);
  });
});
