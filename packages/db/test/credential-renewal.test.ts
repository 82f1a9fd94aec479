// Migration 0088: the cache renews every credential it served in one
// statement per kind. A renewal must answer exactly what a resolution would
// (leaving out revoked, expired, ended, idle and unknown credentials, across
// workspaces) and, unlike a resolution, write and record nothing.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  apiKeys,
  type Database,
  OperatorDoor,
  type ResolvedApiKey,
  type ResolvedSession,
  sql,
  userSessions,
  users,
} from '../src/index.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';
import { actor } from './support/tenant-rows.ts';

let testDb: TestDatabase;
let db: Database;
let acme: string;
let globex: string;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await testDb.openApp();
  const operator = actor('operator');
  acme = (await db.platform.createTenant({ name: 'Acme', slug: 'acme' }, operator)).id;
  globex = (await db.platform.createTenant({ name: 'Globex', slug: 'globex' }, operator)).id;
});
afterAll(async () => {
  await db.close();
  await testDb.drop();
});

/** What renewals must never leave behind: ledger events, security events, changed credential rows. */
async function footprint() {
  const { rows } = await testDb.ownerQuery<{ state: string }>(
    `select (select count(*) from audit_logs)::text || '/' || (select count(*) from security_events)::text
       || '/' || (select coalesce(string_agg(md5(k::text), '' order by id), '') from api_keys k)
       || '/' || (select coalesce(string_agg(md5(s::text), '' order by id), '') from user_sessions s) as state`,
  );
  return rows[0]?.state;
}

const keysOf = (rows: Array<{ hash: string; key: ResolvedApiKey }>) => new Map(rows.map((r) => [r.hash, r.key]));
const sessionsOf = (rows: Array<{ hash: string; session: ResolvedSession }>) =>
  new Map(rows.map((r) => [r.hash, r.session]));

async function addKey(tenantId: string, columns: { revokedAt?: Date; createdAt?: Date; expiresAt?: Date } = {}) {
  const keyHash = randomUUID();
  await db.withTenant(tenantId, actor(), (tx) =>
    tx.insert(apiKeys).values({ name: 'ci', prefix: keyHash.slice(0, 8), keyHash, ...columns }),
  );
  return keyHash;
}

async function addSession(tenantId: string, session: { expiresIn: string; idleFor: string; terminated?: boolean }) {
  const tokenHash = randomUUID();
  await db.withTenant(tenantId, actor(), async (tx) => {
    const [user] = await tx
      .insert(users)
      .values({ email: `${randomUUID()}@example.test`, displayName: 'Someone' })
      .returning({ id: users.id });
    await tx.insert(userSessions).values({
      userId: user?.id ?? '',
      tokenHash,
      expiresAt: sql`now() + ${session.expiresIn}::interval`,
      lastActivityAt: sql`now() - ${session.idleFor}::interval`,
      ...(session.terminated ? { terminatedAt: sql`now()`, terminationReason: 'logout' } : {}),
    });
  });
  return tokenHash;
}

describe('renewing API keys', () => {
  test('answers the live keys of every workspace, and only those, writing nothing', async () => {
    const live = await addKey(acme);
    const otherLive = await addKey(globex);
    const revoked = await addKey(acme, { revokedAt: new Date() });
    const expired = await addKey(acme, {
      createdAt: new Date(Date.now() - 60_000),
      expiresAt: new Date(Date.now() - 1_000),
    });
    const before = await footprint();
    const renewed = keysOf(await db.platform.renewApiKeys([live, otherLive, revoked, expired, randomUUID()]));
    expect([...renewed.keys()].sort()).toEqual([live, otherLive].sort());
    expect(renewed.get(live)).toEqual(await db.platform.resolveApiKey(live, actor()));
    expect(renewed.get(otherLive)?.tenantId).toBe(globex);
    expect(await footprint()).toBe(before);
  });

  test('marks a deactivated workspace, as resolution does', async () => {
    const key = await addKey(globex);
    await OperatorDoor.use(testDb.ownerUrl, (door) => door.setTenantActive(globex, false, actor('operator')));
    try {
      expect(keysOf(await db.platform.renewApiKeys([key])).get(key)?.tenantActive).toBe(false);
    } finally {
      await OperatorDoor.use(testDb.ownerUrl, (door) => door.setTenantActive(globex, true, actor('operator')));
    }
  });
});

describe('renewing sessions', () => {
  test('answers the live sessions only, and ends none of the others (resolution ends and records them)', async () => {
    const live = await addSession(acme, { expiresIn: '1 hour', idleFor: '1 minute' });
    const otherLive = await addSession(globex, { expiresIn: '1 hour', idleFor: '1 minute' });
    const idle = await addSession(acme, { expiresIn: '1 day', idleFor: '2 hours' });
    const expired = await addSession(acme, { expiresIn: '-1 minute', idleFor: '1 minute' });
    const ended = await addSession(acme, { expiresIn: '1 hour', idleFor: '1 minute', terminated: true });
    const before = await footprint();
    const renewed = sessionsOf(
      await db.platform.renewSessions(
        [live, otherLive, idle, expired, ended, randomUUID()].map((tokenHash) => ({ tokenHash })),
      ),
    );
    expect([...renewed.keys()].sort()).toEqual([live, otherLive].sort());
    expect(renewed.get(otherLive)?.tenantId).toBe(globex);
    expect(await footprint()).toBe(before);
    expect(renewed.get(live)).toEqual(await db.platform.resolveSession(live, actor()));
  });

  test('judges the idle timeout on the activity the server saw and has not written, never past now', async () => {
    const idle = await addSession(acme, { expiresIn: '1 day', idleFor: '2 hours' });
    const seenAt = Date.now() - 1_000;
    const renewed = sessionsOf(await db.platform.renewSessions([{ tokenHash: idle, seenAt }]));
    expect(renewed.get(idle)?.lastActivityAt).toBe(seenAt);
    const future = sessionsOf(await db.platform.renewSessions([{ tokenHash: idle, seenAt: Date.now() + 86_400_000 }]));
    expect(future.get(idle)?.lastActivityAt).toBeLessThanOrEqual(Date.now());
  });
});

describe('the renewal timer', () => {
  test('starts no listening connection in a process that has resolved nothing (a CLI command must exit)', async () => {
    const listeners = async () =>
      (
        await testDb.ownerQuery<{ n: number }>(
          `select count(*)::int as n from pg_stat_activity
           where datname = current_database() and query = 'listen skillhub_credentials'`,
        )
      ).rows[0]?.n;
    await db.credentials.renew();
    // A listener connects in well under a second here; give one the time to show.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await listeners()).toBe(0);
  });
});

describe('the cache around a renewal', () => {
  test('a hash two workspaces share renews the credential the entry held, not the other', async () => {
    const door = db.credentials;
    const hash = randomUUID();
    await addKeyWithHash(acme, hash);
    await addKeyWithHash(globex, hash);
    await door.ready();
    const held = await door.resolveApiKey(hash, actor());
    await door.renew();
    const misses = door.stats().keys.misses;
    expect((await door.resolveApiKey(hash, actor()))?.tenantId).toBe(held?.tenantId);
    expect(door.stats().keys.misses).toBe(misses);
  });
});

async function addKeyWithHash(tenantId: string, keyHash: string) {
  await db.withTenant(tenantId, actor(), (tx) =>
    tx.insert(apiKeys).values({ name: 'shared', prefix: randomUUID().slice(0, 8), keyHash }),
  );
}
