// Sign-up is throttled per client IP (5 requests in 15 minutes by default),
// counted in the database: every server process sees the same count, and a
// restart forgets nothing.
import { loadConfig } from '@skillhub/core';
import pino from 'pino';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startSkillhub } from '../src/index.ts';
import { HttpClient } from './support/http-client.ts';
import { errorOf } from './support/identity.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

let t: TestServer;
let second: { client: HttpClient; close(): Promise<void> };

beforeAll(async () => {
  t = await startTestServer({ signUpThrottle: loadConfig({}).signUpThrottle });
  const server = await startSkillhub({
    db: await t.testDb.openApp({ checkTenantRouting: true, maxConnections: 2 }),
    logger: pino({ level: 'silent' }),
    config: { ...loadConfig({}), mail: { ...loadConfig({}).mail, smtpUrl: t.inbox.url } },
    port: 0,
    host: '127.0.0.1',
    sealInBackground: false,
  });
  second = { client: new HttpClient(server.url), close: server.close };
});
afterAll(async () => {
  await second?.close();
  await t?.close();
});

const ask = (client: HttpClient, n: number) =>
  client.post('/auth/sign-up', {
    email: `person-${n}@throttle.test`,
    password: 'correct horse battery staple',
    displayName: `Person ${n}`,
    workspace: { name: `Throttle ${n}`, slug: `throttle-${n}` },
  });

const throttleEvents = async () =>
  (
    await t.testDb.ownerQuery(
      `select from security_events where event_type = 'access_blocked' and details ->> 'reason' = 'sign_up_throttled'`,
    )
  ).rowCount;

test('the sixth sign-up from one IP within 15 minutes is THROTTLED with Retry-After, on every server process', async () => {
  for (const n of [1, 2, 3, 4, 5]) expect((await ask(t.client, n)).status).toBe(202);
  const refused = await ask(t.client, 6);
  expect(errorOf(refused)).toMatchObject({ status: 429, code: 'THROTTLED' });
  const retryAfter = Number(refused.headers['retry-after']);
  expect(retryAfter).toBeGreaterThan(800);
  expect(retryAfter).toBeLessThanOrEqual(900);

  // Another process on the same database counts the same requests.
  expect(errorOf(await ask(second.client, 7))).toMatchObject({ status: 429, code: 'THROTTLED' });
  expect(errorOf(await ask(t.client, 8))).toMatchObject({ status: 429, code: 'THROTTLED' });
  // Recorded once per window, not once per refused request.
  expect(await throttleEvents()).toBe(1);
  const stored = await t.testDb.ownerQuery(`select email from platform.sign_up_requests order by email`);
  expect(stored.rows.map((r) => r.email)).toEqual([1, 2, 3, 4, 5].map((n) => `person-${n}@throttle.test`));
});

test('the throttle lifts as the requests leave the window', async () => {
  await t.testDb.ownerQuery(`update platform.sign_up_attempts set created_at = created_at - interval '16 minutes'`);
  expect((await ask(t.client, 9)).status).toBe(202);
});
