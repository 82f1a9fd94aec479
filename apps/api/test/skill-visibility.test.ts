import { createApiKey } from '@skillhub/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { apiKeyClient } from './support/audit.ts';
import type { HttpClient } from './support/http-client.ts';
import { inviteUser } from './support/identity.ts';
import { type SignedUpUser, signUpOwner, startTestServer, type TestServer } from './support/test-server.ts';

// Finding 11 of issue #11: a member and a skills:read key both read the owner's private skill (200).

let t: TestServer;
let owner: SignedUpUser;
let admin: SignedUpUser;
let member: SignedUpUser;
let memberKey: HttpClient;
const ids: Record<'secret' | 'shared' | 'published', string> = { secret: '', shared: '', published: '' };

beforeAll(async () => {
  t = await startTestServer();
  owner = await signUpOwner(t, 'vis');
  admin = await inviteUser(t, owner, 'vis', 'admin@vis.test', 'admin');
  member = await inviteUser(t, owner, 'vis', 'member@vis.test');
  for (const [name, visibility] of [
    ['secret', 'private'],
    ['shared', 'internal'],
    ['published', 'public'],
  ] as const) {
    const created = await owner.client.post<{ id: string }>('/skills', {
      slug: `owners-${name}`,
      name: `Owner's ${name} zanzibar`,
      description: `The ${name} zanzibar recipe`,
      content: `Zanzibar recipe, ${name}: mix, bake, serve.`,
      visibility,
    });
    expect(created.status, created.text).toBe(201);
    ids[name] = created.body.id;
  }
  expect((await admin.client.request('PUT', `/skills/${ids.secret}/rating`, { body: { score: 5 } })).status).toBe(200);
  expect(
    (await admin.client.request('PUT', `/skills/${ids.secret}/review`, { body: { status: 'approved' } })).status,
  ).toBe(201);
  expect((await owner.client.post(`/skills/${ids.secret}/usage`, { source: 'web' })).status).toBe(201);
  // Keys are made by admins in the console; a member's key is what a member would hold if one were handed out.
  const key = await t.db.withTenant(owner.tenantId, { actorType: 'user', actorId: owner.userId, role: 'owner' }, (tx) =>
    createApiKey(tx, { name: "member's key", scopes: ['skills:read'], createdBy: member.userId }),
  );
  memberKey = t.client.fork({ headers: { authorization: `Bearer ${key.key}` } });
});
afterAll(() => t.close());

/** Every way a reader can come at the owner's private skill over HTTP, and what each answered. */
async function reachOf(client: HttpClient) {
  const slugs = (body: unknown) =>
    (
      (body as { skills?: { slug: string }[]; results?: { slug: string }[] }).skills ??
      (body as { results?: { slug: string }[] }).results ??
      []
    ).map((s) => s.slug);
  const statusOf = async (path: string) => (await client.get(path)).status;
  const listed = await client.get('/skills?limit=100');
  const byAuthor = await client.get(`/skills?limit=100&author=${owner.userId}`);
  const searched = await client.get('/search?q=zanzibar&limit=50');
  const similar = await client.get('/search/similar?q=zanzibar%20recipe&limit=50');
  const nextTo = await client.get(`/skills/${ids.shared}/similar?limit=50`);
  return {
    byId: await statusOf(`/skills/${ids.secret}`),
    bySlug: await statusOf('/skills/owners-secret'),
    versions: await statusOf(`/skills/${ids.secret}/versions`),
    version: await statusOf(`/skills/${ids.secret}/versions/1`),
    review: await statusOf(`/skills/${ids.secret}/review`),
    usage: await statusOf(`/skills/${ids.secret}/usage?period=day`),
    similarTo: await statusOf(`/skills/${ids.secret}/similar`),
    listed: slugs(listed.body).includes('owners-secret'),
    countedByAuthor: slugs(byAuthor.body).length,
    searched: slugs(searched.body).includes('owners-secret'),
    similar: slugs(similar.body).includes('owners-secret'),
    nextTo: slugs(nextTo.body).includes('owners-secret'),
  };
}

const hidden = {
  byId: 404,
  bySlug: 404,
  versions: 404,
  version: 404,
  review: 404,
  usage: 404,
  similarTo: 404,
  listed: false,
  countedByAuthor: 2,
  searched: false,
  similar: false,
  nextTo: false,
};
const shown = {
  byId: 200,
  bySlug: 200,
  versions: 200,
  version: 200,
  review: 200,
  usage: 200,
  similarTo: 200,
  listed: true,
  countedByAuthor: 3,
  searched: true,
  similar: true,
  nextTo: true,
};

describe("the owner's private skill over HTTP", () => {
  test('a member cannot read, list, search, count or reach its versions, review or usage', async () => {
    expect(await reachOf(member.client)).toEqual(hidden);
  });

  test("a member's skills:read key cannot either", async () => {
    expect(await reachOf(memberKey)).toEqual(hidden);
  });

  test('its author, an admin and the author’s own key can', async () => {
    expect(await reachOf(owner.client)).toEqual(shown);
    expect(await reachOf(admin.client)).toEqual(shown);
    expect(await reachOf(await apiKeyClient(t, owner, ['skills:read']))).toEqual(shown);
  });

  test('a member cannot turn another’s skill private or public, nor create one in another’s name', async () => {
    const flip = await member.client.patch(`/skills/${ids.shared}`, { visibility: 'private' });
    expect(flip.status).toBe(403);
    const reach = await member.client.patch(`/skills/${ids.secret}`, { visibility: 'public' });
    expect(reach.status).toBe(404);
    const own = await member.client.post<{ authorId: string }>('/skills', {
      slug: 'members-own',
      name: 'Mine',
      visibility: 'private',
    });
    expect(own.status).toBe(201);
    expect(own.body.authorId).toBe(member.userId);
    expect((await owner.client.get('/skills/members-own')).status).toBe(200);
    expect((await admin.client.get('/skills/members-own')).status).toBe(200);
  });
});

test('a key with only usage:write records usage (it needed skills:read as well)', async () => {
  const key = await apiKeyClient(t, owner, ['usage:write']);
  const used = await key.post(`/skills/${ids.shared}/usage`, { source: 'agent' });
  expect(used.status, used.text).toBe(201);
  expect((await key.get(`/skills/${ids.shared}`)).status).toBe(403);
});
