import { loadConfig } from '@skillhub/core';
import { afterAll, describe, expect, test } from 'vitest';
import { securityEventsOf, signIn } from './support/identity.ts';
import { signUpOwner, startTestServer, type TestServer } from './support/test-server.ts';

// Finding 8: SKILLHUB_TRUST_PROXY=true took the leftmost X-Forwarded-For
// entry, which any client writes. The client is now the rightmost hop that
// is not one of the configured trusted proxies (proxy-addr).
const servers: TestServer[] = [];
afterAll(() => Promise.all(servers.map((s) => s.close())));

/** The IP a failed sign-in through `xff` was recorded with, on a server trusting `trustedProxies`. */
async function recordedIp(trustedProxies: string[], xff: string): Promise<string | null> {
  const t = await startTestServer({ trustedProxies });
  servers.push(t);
  const owner = await signUpOwner(t, 'acme');
  const client = t.client.fork({ headers: { 'x-forwarded-for': xff } });
  expect((await signIn(client, owner.email, 'wrong password', 'acme')).status).toBe(401);
  return (await securityEventsOf(t, owner.tenantId, 'login_failed')).at(-1)?.ip_address ?? null;
}

describe('X-Forwarded-For', () => {
  test('from a peer that is not a trusted proxy, it is ignored', async () => {
    // The request comes from 127.0.0.1, which is not in 10.0.0.0/8.
    expect(await recordedIp(['10.0.0.0/8'], '203.0.113.9')).toBe('127.0.0.1');
  });

  test('behind a trusted proxy, the rightmost untrusted hop is the client, not a forged leftmost one', async () => {
    // The client wrote "198.51.100.7"; the trusted proxy appended the address it saw.
    expect(await recordedIp(['loopback'], '198.51.100.7, 203.0.113.5')).toBe('203.0.113.5');
  });

  test('with no trusted proxies (the default), it is ignored', async () => {
    expect(await recordedIp([], '203.0.113.9')).toBe('127.0.0.1');
  });
});

test('SKILLHUB_TRUST_PROXY is refused with a pointer to SKILLHUB_TRUSTED_PROXIES', () => {
  expect(() => loadConfig({ SKILLHUB_TRUST_PROXY: 'true' })).toThrow(/SKILLHUB_TRUSTED_PROXIES/);
  expect(loadConfig({ SKILLHUB_TRUSTED_PROXIES: 'loopback, 10.0.0.0/8' }).trustedProxies).toEqual([
    'loopback',
    '10.0.0.0/8',
  ]);
});
