// What a request sends to the database, read off the wire: a server whose connections pass a proxy that keeps
// each statement's text (issue 13). A read writes nothing: a session's activity and a key's last use are written
// behind, by the server's timer. A rating is one transaction: its upsert, totals and audit event commit together,
// with no second transaction to touch the session. The proxied server's timer never fires here (the tests write
// the use behind by hand, so nothing writes behind while a check looks); a third server's timer is tried alone.
import { Database } from '@skillhub/db';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type RoundTripCounter, startRoundTripCounter } from '../../../packages/db/test/support/round-trip-counter.ts';
import { HttpClient } from './support/http-client.ts';
import { type SecondServer, startBeside } from './support/second-server.ts';
import { type SignedUpUser, signUpOwner, startTestServer, type TestServer } from './support/test-server.ts';
import { waitUntil } from './support/wait-until.ts';

/** How often a server writes credential use behind: 30 s in production, longer than this file on the proxied one. */
const never = 3_600_000;
const soon = 500;

let t: TestServer;
let owner: SignedUpUser;
let wire: RoundTripCounter;
let b: SecondServer;

beforeAll(async () => {
  t = await startTestServer();
  owner = await signUpOwner(t, 'acme');
  wire = await startRoundTripCounter(t.testDb.appUrl);
  const proxied = await Database.open({
    url: wire.url,
    contextKey: await t.testDb.contextKey(),
    maxConnections: 2,
    checkTenantRouting: true,
    credentialUseFlushMs: never,
  });
  b = await startBeside(t, proxied);
});
afterAll(async () => {
  await b?.close();
  await wire?.close();
});

/** The statements a request sent, and how many transactions they opened. */
async function sentBy(request: () => Promise<{ status: number; text: string }>, status: number) {
  wire.reset();
  const response = await request();
  expect(response.status, response.text).toBe(status);
  const texts = wire.texts();
  return { texts, transactions: texts.filter((text) => /^\s*begin\b/i.test(text)).length };
}

const writes = (texts: string[]) =>
  texts.filter((text) => /\b(insert|update|delete)\b|record_credential_use|update_session_activity/i.test(text));

const ownerRow = async (sql: string, id: string) => (await t.testDb.ownerQuery(sql, [id])).rows[0];

/** A session's last activity: whether it is within the last minute. */
const activityIsRecent = async (sessionId: string) =>
  (
    await ownerRow(
      `select last_activity_at > now() - interval '1 minute' as recent from user_sessions where id = $1`,
      sessionId,
    )
  )?.recent;

/** Sets a session's last activity ten minutes back, once the server has written what it saw. */
async function setActivityBack(server: SecondServer): Promise<string> {
  await server.db.flushCredentialUse();
  const sessionId = (await ownerRow('select id from user_sessions where user_id = $1', owner.userId))?.id as string;
  await t.testDb.ownerQuery(`update user_sessions set last_activity_at = now() - interval '10 minutes' where id = $1`, [
    sessionId,
  ]);
  return sessionId;
}

test('a read by session or API key writes nothing; their use is written when the server writes behind', async () => {
  const session = b.as(owner.client);
  const created = await owner.client.post<{ id: string; key: string }>('/api-keys', {
    name: 'reader',
    scopes: ['skills:read'],
  });
  expect(created.status).toBe(201);
  const robot = new HttpClient(b.server.url, { headers: { authorization: `Bearer ${created.body.key}` } });
  // Each credential resolved once, then served from memory.
  await sentBy(() => session.get('/skills'), 200);
  await sentBy(() => robot.get('/skills'), 200);
  const sessionId = await setActivityBack(b);
  await t.testDb.ownerQuery('update api_keys set last_used_at = null where id = $1', [created.body.id]);
  const lastUseOf = async () =>
    (await ownerRow('select last_used_at from api_keys where id = $1', created.body.id))?.last_used_at;

  for (const reader of [session, robot]) {
    const read = await sentBy(() => reader.get('/skills'), 200);
    expect(read.transactions).toBe(1);
    expect(writes(read.texts)).toEqual([]);
  }
  expect(await activityIsRecent(sessionId)).toBe(false);
  expect(await lastUseOf()).toBeNull();

  await b.db.flushCredentialUse();
  expect(await activityIsRecent(sessionId)).toBe(true);
  expect(await lastUseOf()).not.toBeNull();
});

test('a server writes the use it saw behind on its own timer', async () => {
  const timed = await startBeside(t, await t.testDb.openApp({ checkTenantRouting: true, credentialUseFlushMs: soon }));
  try {
    const sessionId = await setActivityBack(timed);
    expect((await timed.as(owner.client).get('/skills')).status).toBe(200);
    await waitUntil('the activity written behind', async () => (await activityIsRecent(sessionId)) === true, soon * 10);
  } finally {
    await timed.server.close();
  }
});

test('a rating by session is one transaction, with its totals and its audit event', async () => {
  const session = b.as(owner.client);
  const skill = await session.post<{ id: string }>('/skills', {
    slug: 'rated',
    name: 'Rated',
    description: 'A skill to rate',
    tags: [],
    content: 'Rate me',
  });
  expect(skill.status, skill.text).toBe(201);
  const rate = (score: number) => () => session.request('PUT', `/skills/${skill.body.id}/rating`, { body: { score } });
  await sentBy(rate(3), 200); // the first rating inserts; the one measured updates, as most ratings do
  const ledgerEnd = async () =>
    Number(
      (await ownerRow('select coalesce(max(seq), 0) as seq from audit_logs where tenant_id = $1', owner.tenantId))?.seq,
    );
  const before = await ledgerEnd();

  const rated = await sentBy(rate(5), 200);
  expect(rated.transactions).toBe(1);
  expect(rated.texts.filter((text) => /(^|;)\s*commit\b/i.test(text))).toHaveLength(1);
  expect(rated.texts.join('\n')).not.toMatch(/update_session_activity/);
  // The rating's change and its totals' change, recorded by that one transaction.
  const recorded = await t.testDb.ownerQuery<{ events: number; transactions: number }>(
    'select count(*)::int as events, count(distinct txid)::int as transactions from audit_logs where tenant_id = $1 and seq > $2',
    [owner.tenantId, before],
  );
  expect(recorded.rows[0]?.events).toBeGreaterThanOrEqual(2);
  expect(recorded.rows[0]?.transactions).toBe(1);
});
