// Issue 13: credentials are served from memory on the request path, so a
// second server process must stop honouring one as soon as it is revoked,
// ended, deactivated or narrowed on the first (the database announces it),
// and within the cache's bound even when that announcement is lost.
import { OperatorDoor, systemActor } from '@skillhub/db';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { apiKeyClient } from './support/audit.ts';
import type { HttpClient } from './support/http-client.ts';
import { inviteUser, mySessionIds } from './support/identity.ts';
import { type SecondServer, startTwoServers } from './support/second-server.ts';
import { type SignedUpUser, signUpOwner, type TestServer } from './support/test-server.ts';

/**
 * Longest a change announced at commit may take to reach the other process,
 * polling included, with room for a machine busy with other suites. A
 * renewal (every half TTL) may also catch a change in that time, so each
 * test also asks that B dropped the tenant's entries on an announcement.
 */
const announcedWithinMs = 3_000;
/** The second process's staleness bound. */
const ttlMs = 8_000;

let t: TestServer;
let b: SecondServer;
beforeAll(async () => {
  ({ t, b } = await startTwoServers(ttlMs));
});
afterAll(() => b.close());

/** Entries B dropped on announcements (a renewal's drop of one credential is not counted). */
const drops = () => {
  const stats = b.db.credentials.stats();
  return stats.keys.drops + stats.sessions.drops;
};

const hits = () => {
  const stats = b.db.credentials.stats();
  return stats.keys.hits + stats.sessions.hits;
};

/** B answers from its cache: two requests succeed and at least one was a cache hit. */
async function servedFromCache(client: HttpClient, path: string): Promise<void> {
  const before = hits();
  for (let i = 0; i < 2; i++) expect((await client.get(path)).status).toBe(200);
  expect(hits()).toBeGreaterThan(before);
}

/** Milliseconds until `refused` holds for B's answer, polling every 10 ms; fails past `limitMs`. */
async function msUntil(
  client: HttpClient,
  path: string,
  refused: (status: number, body: unknown) => boolean,
  limitMs: number,
) {
  const start = Date.now();
  for (;;) {
    const response = await client.get(path);
    if (refused(response.status, response.body)) return Date.now() - start;
    if (Date.now() - start > limitMs) throw new Error(`still honoured after ${limitMs} ms: ${response.status}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const unauthorized = (status: number) => status === 401;

describe('a second server process stops honouring a credential changed on the first', () => {
  let owner: SignedUpUser;
  beforeAll(async () => {
    owner = await signUpOwner(t, 'acme');
  });

  test('a revoked API key', async () => {
    const keyOnA = await apiKeyClient(t, owner, ['skills:read']);
    const keyOnB = b.as(keyOnA);
    await servedFromCache(keyOnB, '/skills');
    const listed = await owner.client.get<{ apiKeys: { id: string }[] }>('/api-keys');
    const id = listed.body.apiKeys.at(-1)?.id ?? '';
    const dropped = drops();
    expect((await owner.client.delete(`/api-keys/${id}`)).status).toBe(200);
    expect(await msUntil(keyOnB, '/skills', unauthorized, announcedWithinMs)).toBeLessThan(announcedWithinMs);
    expect(drops()).toBeGreaterThan(dropped);
  });

  test('an ended session', async () => {
    const member = await inviteUser(t, owner, 'acme', 'sam@acme.test');
    const { current } = await mySessionIds(member.client);
    const sessionOnB = b.as(member.client);
    await servedFromCache(sessionOnB, '/auth/me');
    const dropped = drops();
    expect((await owner.client.delete(`/admin/sessions/${current}`)).status).toBe(200);
    expect(await msUntil(sessionOnB, '/auth/me', unauthorized, announcedWithinMs)).toBeLessThan(announcedWithinMs);
    expect(drops()).toBeGreaterThan(dropped);
  });

  test('a changed role holds from the next request', async () => {
    const member = await inviteUser(t, owner, 'acme', 'rob@acme.test');
    const sessionOnB = b.as(member.client);
    await servedFromCache(sessionOnB, '/auth/me');
    const dropped = drops();
    expect((await owner.client.patch(`/users/${member.userId}/role`, { role: 'admin' })).status).toBe(200);
    const promoted = (status: number, body: unknown) =>
      status === 200 && (body as { user?: { role?: string } }).user?.role === 'admin';
    expect(await msUntil(sessionOnB, '/auth/me', promoted, announcedWithinMs)).toBeLessThan(announcedWithinMs);
    expect(drops()).toBeGreaterThan(dropped);
  });

  test('a deactivated workspace, by the operator outside any server (as `skillhub tenant deactivate`)', async () => {
    const other = await signUpOwner(t, 'globex');
    const keyOnB = b.as(await apiKeyClient(t, other, ['skills:read']));
    const sessionOnB = b.as(other.client);
    await servedFromCache(keyOnB, '/skills');
    await servedFromCache(sessionOnB, '/auth/me');
    const dropped = drops();
    await OperatorDoor.use(t.testDb.ownerUrl, (door) =>
      door.setTenantActive(other.tenantId, false, systemActor('cli')),
    );
    const refused = (status: number) => status === 401 || status === 403;
    expect(await msUntil(keyOnB, '/skills', refused, announcedWithinMs)).toBeLessThan(announcedWithinMs);
    expect(await msUntil(sessionOnB, '/auth/me', refused, announcedWithinMs)).toBeLessThan(announcedWithinMs);
    expect(drops()).toBeGreaterThan(dropped);
  });
});

describe('when an announcement is lost', () => {
  test('a change made without one is honoured for at most the TTL', async () => {
    const owner = await signUpOwner(t, 'initech');
    const keyOnB = b.as(await apiKeyClient(t, owner, ['skills:read']));
    await servedFromCache(keyOnB, '/skills');
    // Replica mode skips triggers, so no announcement is made: only the TTL can end the cached key.
    await t.testDb.ownerQuery(`
      set session_replication_role = replica;
      update api_keys set revoked_at = now() where tenant_id = '${owner.tenantId}';
      set session_replication_role = origin;`);
    const started = Date.now();
    expect((await keyOnB.get('/skills')).status).toBe(200);
    const waited = await msUntil(keyOnB, '/skills', unauthorized, ttlMs + 1_000);
    expect(Date.now() - started).toBeLessThanOrEqual(ttlMs + 1_000);
    expect(waited).toBeGreaterThan(0);
  });

  test('a lost listening connection empties the cache and serves nothing from it until it listens again', async () => {
    const owner = await signUpOwner(t, 'umbrella');
    const keyOnB = b.as(await apiKeyClient(t, owner, ['skills:read']));
    await servedFromCache(keyOnB, '/skills');
    await t.testDb.ownerQuery(
      `select pg_terminate_backend(pid) from pg_stat_activity
       where datname = current_database() and query = 'listen skillhub_credentials'`,
    );
    // While it reconnects, a change is made without announcement; after it, the cache starts empty.
    await t.testDb.ownerQuery(`
      set session_replication_role = replica;
      update api_keys set revoked_at = now() where tenant_id = '${owner.tenantId}';
      set session_replication_role = origin;`);
    await b.db.credentials.ready();
    await new Promise((resolve) => setTimeout(resolve, 200));
    await b.db.credentials.ready();
    expect((await keyOnB.get('/skills')).status).toBe(401);
  });
});
