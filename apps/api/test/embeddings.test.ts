import http from 'node:http';
import { LocalEmbeddingProvider } from '@skillhub/core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { signUpOwner, startTestServer, type TestServer } from './support/test-server.ts';

/**
 * The OpenAI-compatible provider against a real HTTP endpoint that speaks
 * the /embeddings protocol (answering with the local provider's vectors),
 * so the request shape, auth header and response handling are exercised.
 */
let endpoint: http.Server;
let baseUrl: string;
const seen: { authorization?: string; model?: string; inputs: number }[] = [];
let t: TestServer;

beforeAll(async () => {
  const local = new LocalEmbeddingProvider();
  endpoint = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', async () => {
      const request = JSON.parse(body) as { model: string; input: string[] };
      seen.push({ authorization: req.headers.authorization, model: request.model, inputs: request.input.length });
      const vectors = await local.embed(request.input);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ data: vectors.map((embedding, index) => ({ index, embedding })).reverse() }));
    });
  });
  await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
  const address = endpoint.address() as { port: number };
  baseUrl = `http://127.0.0.1:${address.port}/v1`;
  t = await startTestServer({ embeddings: { baseUrl, apiKey: 'test-key', model: 'test-embed' } });
});
afterAll(async () => {
  await t.close();
  endpoint.close();
});

test('publishing refreshes the embedding through the configured endpoint, and similarity uses it', async () => {
  const owner = await signUpOwner(t, 'embed');
  for (const [slug, description] of [
    ['pg-indexes', 'choose postgres indexes for slow queries'],
    ['pg-vacuum', 'tune postgres vacuum for slow queries'],
    ['haiku', 'write a haiku about the sea'],
  ]) {
    const created = await owner.client.post('/skills', { slug, name: slug, description, content: description });
    expect(created.status).toBe(201);
  }
  expect(seen.length).toBe(3);
  expect(seen[0]).toEqual({ authorization: 'Bearer test-key', model: 'test-embed', inputs: 1 });
  const models = await t.testDb.ownerQuery<{ model: string }>('select distinct model from skill_embeddings');
  expect(models.rows).toEqual([{ model: 'test-embed' }]);
  const similar = await owner.client.get<{ results: { slug: string }[] }>(
    '/search/similar?q=slow%20postgres%20queries&limit=2',
  );
  expect(similar.body.results.map((r) => r.slug).sort()).toEqual(['pg-indexes', 'pg-vacuum']);
});

test('an unreachable embedding service is a 503 with a clear message, and nothing is half-written', async () => {
  const broken = await startTestServer({ embeddings: { baseUrl: 'http://127.0.0.1:1/v1', apiKey: null, model: 'x' } });
  try {
    const owner = await signUpOwner(broken, 'broken-embed');
    const response = await owner.client.post<{ error: { code: string } }>('/skills', {
      slug: 'x',
      name: 'x',
      content: 'x',
    });
    expect(response.status).toBe(503);
    expect(response.body.error.code).toBe('UNAVAILABLE');
    const skills = await broken.testDb.ownerQuery('select 1 from skills');
    expect(skills.rows).toHaveLength(0);
  } finally {
    await broken.close();
  }
});
