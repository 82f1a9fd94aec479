import { afterAll, beforeAll, expect, test } from 'vitest';
import { signUpOwner, startTestServer, type TestServer } from './support/test-server.ts';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.close());

test('sign up, me, sign out', async () => {
  const owner = await signUpOwner(t, 'acme');
  const me = await owner.client.get('/auth/me');
  expect(me.status).toBe(200);
  expect(me.body).toMatchObject({ user: { email: owner.email, role: 'owner' }, tenant: { slug: 'acme' } });
  const out = await owner.client.post('/auth/sign-out');
  expect(out.status).toBe(200);
  expect((await owner.client.get('/auth/me')).status).toBe(401);
  const docs = await t.client.get('/openapi.json');
  expect(docs.status).toBe(200);
});
