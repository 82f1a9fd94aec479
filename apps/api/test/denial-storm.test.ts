import { afterAll, beforeAll, expect, test } from 'vitest';
import { tallied } from './support/audit.ts';
import type { HttpClient } from './support/http-client.ts';
import { inviteUser } from './support/identity.ts';
import { type SignedUpUser, signUpOwner, startTestServer, type TestServer } from './support/test-server.ts';

/**
 * Regression: a denied skill edit recorded its permission_denied event in a
 * second transaction while the request's own held a pooled connection and
 * the skill's row lock; as many concurrent denials as the pool had
 * connections left every connection waiting for another and the server
 * stopped answering, /health included.
 */
let t: TestServer;
let owner: SignedUpUser;
let member: HttpClient;
let skillId: string;
const pool = 8;

beforeAll(async () => {
  t = await startTestServer();
  owner = await signUpOwner(t, 'storm');
  member = (await inviteUser(t, owner, 'storm', 'member@storm.test')).client;
  const skill = await owner.client.post<{ id: string }>('/skills', { slug: 'owned', name: 'Owned', content: 'text' });
  skillId = skill.body.id;
});
afterAll(() => t.close());

test(`${pool * 5} concurrent denied edits on a pool of ${pool}: all refused and recorded, /health answers meanwhile`, async () => {
  const denials = () => tallied(t, { tenantId: owner.tenantId, type: 'permission_denied' });
  const before = await denials();
  const storm = Array.from({ length: pool * 5 }, (_, i) =>
    i % 2 === 0
      ? member.request('PATCH', `/skills/${skillId}`, { body: { description: `no ${i}` } })
      : member.request('DELETE', `/skills/${skillId}`),
  );
  const started = performance.now();
  const health = await t.client.get('/health');
  expect(health.status).toBe(200);
  // ~0.1 s on a quiet machine; the bound leaves room for a busy CI, far below the old hang (forever).
  expect(performance.now() - started).toBeLessThan(3_000);
  const answers = await Promise.all(storm);
  expect(answers.map((a) => a.status)).toEqual(answers.map(() => 403));
  // Every denial counted (repeats are tallied, not written one event each).
  expect((await denials()) - before).toBe(pool * 5);
  const { rows } = await t.testDb.ownerQuery(
    `select count(*)::int as stuck from pg_stat_activity where datname = current_database() and state = 'idle in transaction'`,
  );
  expect(rows[0]).toEqual({ stuck: 0 });
}, 30_000);
