import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type SignedUpUser, signUpOwner, startTestServer, type TestServer } from './support/test-server.ts';

let t: TestServer;
let owner: SignedUpUser;

beforeAll(async () => {
  t = await startTestServer();
  owner = await signUpOwner(t, 'acme');
});
afterAll(() => t.close());

const createSkill = async (slug: string, extra: Record<string, unknown> = {}) => {
  const response = await owner.client.post<{ id: string; slug: string; latestVersion: number }>('/skills', {
    slug,
    name: `Skill ${slug}`,
    description: `Describes ${slug}`,
    tags: ['review'],
    content: `Content of ${slug}`,
    ...extra,
  });
  expect(response.status, response.text).toBe(201);
  return response.body;
};

describe('skills', () => {
  test('create, read by id and slug, list, update, delete', async () => {
    const skill = await createSkill('code-review');
    expect(skill.latestVersion).toBe(1);
    const byId = await owner.client.get<{ content: string }>(`/skills/${skill.id}`);
    expect(byId.body.content).toBe('Content of code-review');
    expect((await owner.client.get(`/skills/code-review`)).status).toBe(200);
    const list = await owner.client.get<{ skills: { slug: string }[] }>('/skills?tag=review');
    expect(list.body.skills.map((s) => s.slug)).toContain('code-review');
    const patched = await owner.client.patch<{ name: string }>(`/skills/${skill.id}`, { name: 'Code review' });
    expect(patched.status).toBe(200);
    expect(patched.body.name).toBe('Code review');
    expect((await owner.client.delete(`/skills/${skill.id}`)).status).toBe(200);
    expect((await owner.client.get(`/skills/${skill.id}`)).status).toBe(404);
  });

  test('versions are numbered, immutable and the skill points at the latest', async () => {
    const skill = await createSkill('versioned');
    const v2 = await owner.client.post<{ version: number }>(`/skills/${skill.id}/versions`, {
      content: 'second',
      changelog: 'v2',
    });
    expect(v2.status).toBe(201);
    expect(v2.body.version).toBe(2);
    const versions = await owner.client.get<{ versions: { version: number }[] }>(`/skills/${skill.id}/versions`);
    expect(versions.body.versions.map((v) => v.version)).toEqual([2, 1]);
    const v1 = await owner.client.get<{ content: string }>(`/skills/${skill.id}/versions/1`);
    expect(v1.body.content).toBe('Content of versioned');
    const current = await owner.client.get<{ content: string; latestVersion: number }>(`/skills/${skill.id}`);
    expect(current.body).toMatchObject({ content: 'second', latestVersion: 2 });
  });

  test('ratings, review, usage, search, similar', async () => {
    const skill = await createSkill('sql-tuning', { description: 'Tune slow PostgreSQL queries with indexes' });
    await createSkill('sql-indexes', { description: 'Choose PostgreSQL indexes for slow queries' });
    await createSkill('poetry', { description: 'Write sonnets about autumn leaves' });
    const rated = await owner.client.request<{ rating: { count: number; average: number } }>(
      'PUT',
      `/skills/${skill.id}/rating`,
      { body: { score: 4 } },
    );
    expect(rated.body.rating).toEqual({ count: 1, average: 4 });
    const review = await owner.client.request('PUT', `/skills/${skill.id}/review`, {
      body: { status: 'approved', notes: 'ok' },
    });
    expect(review.status).toBe(201);
    expect((await owner.client.post(`/skills/${skill.id}/usage`, { source: 'cli' })).status).toBe(201);
    const usage = await owner.client.get<{ total: number }>(`/skills/${skill.id}/usage?period=day`);
    expect(usage.body.total).toBe(1);
    const search = await owner.client.get<{ results: { slug: string }[] }>('/search?q=slow%20queries');
    expect(search.body.results.map((r) => r.slug).sort()).toEqual(['sql-indexes', 'sql-tuning']);
    const similar = await owner.client.get<{ results: { slug: string }[] }>(`/skills/${skill.id}/similar?limit=2`);
    expect(similar.body.results[0]?.slug).toBe('sql-indexes');
  });

  test('merge moves versions, ratings, review and usage, and removes the duplicate', async () => {
    const target = await createSkill('merge-target');
    const source = await createSkill('merge-source', { tags: ['dup'] });
    await owner.client.post(`/skills/${source.id}/versions`, { content: 'source v2' });
    await owner.client.request('PUT', `/skills/${source.id}/rating`, { body: { score: 2 } });
    await owner.client.post(`/skills/${source.id}/usage`, {});
    await owner.client.request('PUT', `/skills/${source.id}/review`, { body: { status: 'pending' } });
    const merged = await owner.client.post<{
      skill: { latestVersion: number; tags: string[]; rating: { count: number } };
      moved: Record<string, number>;
    }>('/skills/merge', { source: source.id, target: target.id });
    expect(merged.status, merged.text).toBe(200);
    expect(merged.body.moved).toEqual({ versions: 2, ratings: 1, usageEvents: 1 });
    expect(merged.body.skill.latestVersion).toBe(4);
    expect(merged.body.skill.tags).toEqual(['dup', 'review']);
    expect((await owner.client.get(`/skills/${source.id}`)).status).toBe(404);
    const current = await owner.client.get<{ content: string }>(`/skills/${target.id}`);
    expect(current.body.content).toBe('Content of merge-target');
    expect((await owner.client.get(`/skills/${target.id}/review`)).status).toBe(200);
  });

  // Regression: a select-then-insert rating answered 500 when two first ratings raced.
  test('concurrent first ratings by one user all succeed and count once', async () => {
    const skill = await createSkill('raced-rating');
    const responses = await Promise.all(
      [1, 2, 3, 4, 5].map((score) => owner.client.request('PUT', `/skills/${skill.id}/rating`, { body: { score } })),
    );
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    const after = await owner.client.get<{ rating: { count: number } }>(`/skills/${skill.id}`);
    expect(after.body.rating.count).toBe(1);
  });
});
