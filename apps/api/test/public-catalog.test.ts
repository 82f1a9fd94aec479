import { afterAll, beforeAll, expect, test } from 'vitest';
import { eventOccurrences, tallied, tallyCounts } from './support/audit.ts';
import type { HttpResponse } from './support/http-client.ts';
import { securityEventsOf } from './support/identity.ts';
import { type SignedUpUser, signUpOwner, startTestServer, type TestServer } from './support/test-server.ts';

// Item 9 of issue #11: `public` had no effect; a public skill is now readable without credentials
// at a read-only URL, through a recorded door, and nothing else is.

let t: TestServer;
let owner: SignedUpUser;

beforeAll(async () => {
  t = await startTestServer();
  owner = await signUpOwner(t, 'pub');
  for (const [slug, visibility] of [
    ['open-recipe', 'public'],
    ['another-open', 'public'],
    ['team-recipe', 'internal'],
    ['own-recipe', 'private'],
  ] as const) {
    const created = await owner.client.post('/skills', {
      slug,
      name: slug,
      description: `${slug} description`,
      tags: ['cooking'],
      content: `${slug} content`,
      visibility,
    });
    expect(created.status, created.text).toBe(201);
  }
});
afterAll(() => t.close());

const anonymous = () => t.client.fork();
const answer = (response: HttpResponse) => {
  const error = (response.body as { error?: { code?: string; message?: string } }).error;
  return { status: response.status, code: error?.code, message: error?.message };
};

test('a public skill is served without credentials, with its public fields only', async () => {
  const response = await anonymous().get('/public/pub/skills/open-recipe');
  expect(response.status, response.text).toBe(200);
  expect(Object.keys(response.body).sort()).toEqual(
    ['content', 'description', 'latestVersion', 'name', 'slug', 'tags', 'updatedAt'].sort(),
  );
  expect(response.body).toMatchObject({ slug: 'open-recipe', content: 'open-recipe content', latestVersion: 1 });
});

test('an internal, a private, a missing skill and an unknown workspace are the same 404', async () => {
  const answers = await Promise.all(
    [
      '/public/pub/skills/team-recipe',
      '/public/pub/skills/own-recipe',
      '/public/pub/skills/no-such-recipe',
      '/public/nowhere/skills/open-recipe',
    ].map(async (path) => answer(await anonymous().get(path))),
  );
  expect(answers[0]).toEqual({ status: 404, code: 'NOT_FOUND', message: 'No such public skill.' });
  expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
});

test('the list shows public skills only, by slug, page by page; an unknown workspace lists nothing', async () => {
  const first = await anonymous().get<{ skills: { slug: string }[]; nextAfter: string | null }>(
    '/public/pub/skills?limit=1',
  );
  expect(first.body).toMatchObject({ skills: [{ slug: 'another-open' }], nextAfter: 'another-open' });
  const second = await anonymous().get<{ skills: { slug: string }[]; nextAfter: string | null }>(
    '/public/pub/skills?limit=1&after=another-open',
  );
  expect(second.body.skills.map((s) => s.slug)).toEqual(['open-recipe']);
  const all = await anonymous().get<{ skills: { slug: string }[] }>('/public/pub/skills');
  expect(all.body.skills.map((s) => s.slug)).toEqual(['another-open', 'open-recipe']);
  expect((await anonymous().get('/public/nowhere/skills')).body).toEqual({ skills: [], nextAfter: null });
});

test('reads are recorded in the workspace’s ledger, tallied so anonymous traffic cannot flood it', async () => {
  const target = 'public:skill:another-open';
  const before = await tallied(t, { tenantId: owner.tenantId, type: 'data_export', target });
  for (let i = 0; i < 12; i++) expect((await anonymous().get('/public/pub/skills/another-open')).status).toBe(200);
  expect(await tallied(t, { tenantId: owner.tenantId, type: 'data_export', target })).toBe(before + 12);
  const events = (await securityEventsOf(t, owner.tenantId, 'data_export')).filter(
    (e) => (e.details as { resource?: string }).resource === target,
  );
  const counts = await tallyCounts(t, { tenantId: owner.tenantId, type: 'data_export', target });
  // One event per window for the first read, then the 10th, 100th...: never one per request.
  expect(
    events.map((e) => (e.details as { repeat: { occurrence: number } }).repeat.occurrence).sort((a, b) => a - b),
  ).toEqual(eventOccurrences(counts, 1));
  expect(events[0]?.details).toMatchObject({ reason: 'public_read' });
  // A miss names nothing it could record.
  await anonymous().get('/public/pub/skills/team-recipe');
  expect(await tallied(t, { tenantId: owner.tenantId, type: 'data_export', target: 'public:skill:team-recipe' })).toBe(
    0,
  );
});

test('the public door only reads: nothing but GET answers there', async () => {
  for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
    const response = await anonymous().request(method, '/public/pub/skills/open-recipe', { body: {} });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
  }
  expect((await owner.client.get('/skills/open-recipe')).body).toMatchObject({ visibility: 'public' });
});

const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)] ?? 0;

// Paired, order swapped each round, so the machine's load at that moment cancels out.
test('a miss takes as long whether the workspace exists or not, and whatever the skill is', { retry: 2 }, async () => {
  const timed = async (path: string) => {
    const started = performance.now();
    const response = await anonymous().get(path);
    expect(response.status).toBe(404);
    return performance.now() - started;
  };
  const paths = [
    '/public/nowhere/skills/open-recipe',
    '/public/pub/skills/own-recipe',
    '/public/pub/skills/team-recipe',
  ];
  for (const path of paths) await timed(path);
  for (const other of paths.slice(1)) {
    const differences: number[] = [];
    for (let round = 0; round < 40; round++) {
      const unknownFirst = round % 2 === 0;
      const first = await timed(unknownFirst ? (paths[0] as string) : other);
      const second = await timed(unknownFirst ? other : (paths[0] as string));
      differences.push(unknownFirst ? second - first : first - second);
    }
    const report = `median ${other} − unknown workspace: ${median(differences).toFixed(2)} ms`;
    expect(Math.abs(median(differences)), report).toBeLessThan(2);
  }
});
