// Issue 13: a credential in steady use is renewed with the others in one
// statement every half TTL (migration 0088) instead of being resolved on its
// own each time its TTL runs out, and the TTL still bounds how long a change
// the database did not announce goes unseen.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { apiKeyClient } from './support/audit.ts';
import type { HttpClient } from './support/http-client.ts';
import { type SecondServer, startTwoServers } from './support/second-server.ts';
import { signUpOwner, type TestServer } from './support/test-server.ts';

/** Server B's staleness bound: short, so that several TTLs pass within a test. */
const ttlMs = 1_200;

let t: TestServer;
let b: SecondServer;
beforeAll(async () => {
  ({ t, b } = await startTwoServers(ttlMs));
});
afterAll(() => b.close());

const misses = () => {
  const { keys, sessions } = b.db.credentials.stats();
  return { keys: keys.misses, sessions: sessions.misses };
};

/** Asks B every 25 ms for `ms`; every answer's status, in order. */
async function useFor(client: HttpClient, path: string, ms: number): Promise<number[]> {
  const statuses: number[] = [];
  for (const end = Date.now() + ms; Date.now() < end; ) {
    statuses.push((await client.get(path)).status);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return statuses;
}

/** Runs `change` on the owner's connection with triggers off: the database announces nothing. */
const unannounced = (change: string) =>
  t.testDb.ownerQuery(`set session_replication_role = replica; ${change}; set session_replication_role = origin;`);

describe('credentials in steady use', () => {
  test('an API key and a session used for four TTLs are each resolved once, then only renewed', async () => {
    const owner = await signUpOwner(t, 'acme');
    const key = b.as(await apiKeyClient(t, owner, ['skills:read']));
    const session = b.as(owner.client);
    const before = misses();
    const [keyStatuses, sessionStatuses] = await Promise.all([
      useFor(key, '/skills', 4 * ttlMs),
      useFor(session, '/auth/me', 4 * ttlMs),
    ]);
    expect(new Set([...keyStatuses, ...sessionStatuses])).toEqual(new Set([200]));
    expect(misses()).toEqual({ keys: before.keys + 1, sessions: before.sessions + 1 });
  });

  test('a credential no longer used is not renewed: it ends at its bound and is resolved again', async () => {
    const owner = await signUpOwner(t, 'initech');
    const key = b.as(await apiKeyClient(t, owner, ['skills:read']));
    expect((await key.get('/skills')).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 2.5 * ttlMs));
    const before = misses().keys;
    expect((await key.get('/skills')).status).toBe(200);
    expect(misses().keys).toBe(before + 1);
  });
});

describe('changes the database did not announce, on credentials in steady use', () => {
  test('a revoked key, an ended session and a changed role are seen within the TTL', async () => {
    const owner = await signUpOwner(t, 'globex');
    const key = b.as(await apiKeyClient(t, owner, ['skills:read']));
    const session = b.as(owner.client);
    const other = await signUpOwner(t, 'umbrella');
    const demoted = b.as(other.client);
    await Promise.all([
      useFor(key, '/skills', 100),
      useFor(session, '/auth/me', 100),
      useFor(demoted, '/auth/me', 100),
    ]);
    await unannounced(`
      update api_keys set revoked_at = now() where tenant_id = '${owner.tenantId}';
      update user_sessions set terminated_at = now(), termination_reason = 'logout' where tenant_id = '${owner.tenantId}';
      update users set role = 'member' where tenant_id = '${other.tenantId}'`);
    const changedAt = Date.now();
    const firstChange = async (
      client: HttpClient,
      path: string,
      changed: (r: { status: number; body: unknown }) => boolean,
    ) => {
      for (;;) {
        const response = await client.get(path);
        if (changed(response)) return Date.now() - changedAt;
        if (Date.now() - changedAt > ttlMs + 500) throw new Error(`unchanged after ${ttlMs + 500} ms`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    };
    const seen = await Promise.all([
      firstChange(key, '/skills', (r) => r.status === 401),
      firstChange(session, '/auth/me', (r) => r.status === 401),
      firstChange(demoted, '/auth/me', (r) => (r.body as { user?: { role?: string } }).user?.role === 'member'),
    ]);
    for (const ms of seen) expect(ms).toBeLessThanOrEqual(ttlMs + 500);
  });
});
