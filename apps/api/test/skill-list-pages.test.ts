// GET /skills pages through every sort, order and filter: each shape of the list is its own query,
// built once per connection with its values and tenant bound per request, so each is tried here, in
// two workspaces whose requests share the server's connections. The expected order is computed from
// the skills' own fields, not from another answer of the list.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type SignedUpUser, signUpOwner, startTestServer, type TestServer } from './support/test-server.ts';

interface Listed {
  id: string;
  slug: string;
  name: string;
  tags: string[];
  authorId: string | null;
  createdAt: string;
  updatedAt: string;
  rating: { count: number; average: number | null };
}

let t: TestServer;
let acme: SignedUpUser;
let globex: SignedUpUser;

// Names out of creation order, so the name sort differs from the time sorts; scores with ties.
const specs = [
  { slug: 'delta', tags: ['review'], score: 4 },
  { slug: 'alpha', tags: ['ops'], score: 2 },
  { slug: 'echo', tags: ['review', 'ops'], score: 4 },
  { slug: 'charlie', tags: ['review'], score: null },
  { slug: 'bravo', tags: ['ops'], score: 5 },
  { slug: 'foxtrot', tags: ['review'], score: 3 },
  { slug: 'golf', tags: ['other'], score: 1 },
];

async function load(owner: SignedUpUser, prefix: string) {
  for (const spec of specs) {
    const created = await owner.client.post<{ id: string }>('/skills', {
      slug: `${prefix}-${spec.slug}`,
      name: `${prefix} ${spec.slug}`,
      description: `Describes ${spec.slug}`,
      tags: spec.tags,
      content: `Content of ${spec.slug}`,
    });
    expect(created.status, created.text).toBe(201);
    if (spec.score !== null) {
      const rated = await owner.client.request('PUT', `/skills/${created.body.id}/rating`, {
        body: { score: spec.score },
      });
      expect(rated.status, rated.text).toBe(200);
    }
  }
}

beforeAll(async () => {
  t = await startTestServer();
  acme = await signUpOwner(t, 'acme');
  globex = await signUpOwner(t, 'globex');
  await load(acme, 'a');
  await load(globex, 'g');
}, 120_000);
afterAll(() => t.close());

const sortValue: Record<string, (s: Listed) => string | number> = {
  updated: (s) => s.updatedAt,
  created: (s) => s.createdAt,
  name: (s) => s.name,
  rating: (s) => s.rating.average ?? 0,
};

/** The order the list promises: by the sort value, then by id, both in the one direction. */
function expectedOrder(skills: Listed[], sort: string, order: 'asc' | 'desc'): string[] {
  const value = sortValue[sort] as (s: Listed) => string | number;
  const sign = order === 'asc' ? 1 : -1;
  const compare = (a: string | number, b: string | number) => (a < b ? -1 : a > b ? 1 : 0);
  return [...skills].sort((a, b) => sign * (compare(value(a), value(b)) || compare(a.id, b.id))).map((s) => s.slug);
}

async function allPages(owner: SignedUpUser, query: string): Promise<string[]> {
  const slugs: string[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 20; page++) {
    const url: string = `/skills?${query}&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const response = await owner.client.get<{ skills: Listed[]; nextCursor: string | null }>(url);
    expect(response.status, `${url}: ${response.text}`).toBe(200);
    slugs.push(...response.body.skills.map((s) => s.slug));
    cursor = response.body.nextCursor;
    if (!cursor) return slugs;
  }
  throw new Error(`${query}: more than 20 pages`);
}

test('every sort, order and filter pages through exactly the workspace’s matching skills, in order', async () => {
  for (const owner of [acme, globex]) {
    const everything = await owner.client.get<{ skills: Listed[] }>('/skills?limit=100');
    const skills = everything.body.skills;
    expect(skills).toHaveLength(specs.length);
    const filters: [string, (s: Listed) => boolean][] = [
      ['', () => true],
      ['tag=review', (s) => s.tags.includes('review')],
      ['minRating=3', (s) => (s.rating.average ?? 0) >= 3],
      [`author=${owner.userId}`, (s) => s.authorId === owner.userId],
      ['tag=ops&minRating=3', (s) => s.tags.includes('ops') && (s.rating.average ?? 0) >= 3],
    ];
    for (const sort of Object.keys(sortValue)) {
      for (const order of ['asc', 'desc'] as const) {
        for (const [filter, keep] of filters) {
          const query = `sort=${sort}&order=${order}${filter ? `&${filter}` : ''}`;
          const expected = expectedOrder(skills.filter(keep), sort, order);
          expect([query, await allPages(owner, query)]).toEqual([query, expected]);
        }
      }
    }
  }
});

test('another workspace’s author filters nothing in: its skills stay out of every page', async () => {
  expect(await allPages(acme, `author=${globex.userId}`)).toEqual([]);
  expect(await allPages(globex, `sort=name&order=asc&author=${acme.userId}`)).toEqual([]);
});
