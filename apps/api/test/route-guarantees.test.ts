import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { probesFrom } from './support/audit.ts';
import type { HttpClient, HttpResponse } from './support/http-client.ts';
import { type RouteCase, type RouteWorld, routeCases } from './support/route-cases.ts';
import { signUpOwner, startTestServer, type TestServer } from './support/test-server.ts';

/**
 * The guarantees every skills route keeps, run route by route: the happy
 * path with exactly its audit events; 401 without credentials; 403 (and a
 * recorded denial) for too small a role; another tenant's id answered like
 * a missing one, recorded, and left untouched; bad input refused with
 * nothing written.
 */
let t: TestServer;
let world: RouteWorld;

const send = (client: HttpClient, route: RouteCase, skillId: string, requestId: string, body?: unknown) =>
  client.request(route.method, route.path(world, skillId), {
    headers: { 'x-request-id': requestId },
    ...(route.method !== 'GET' && route.method !== 'DELETE' && { body: body ?? route.body?.(world, skillId) ?? {} }),
  });

/** Application audit events (not row captures, not security twins) written by one request. */
const auditActionsOf = async (requestId: string) =>
  (
    await t.testDb.ownerQuery<{ action: string }>(
      `select action from audit_logs where request_id = $1 and operation is null and action not like 'security.%' order by seq`,
      [requestId],
    )
  ).rows.map((r) => r.action);

const writesOf = async (requestId: string) =>
  Number(
    (
      await t.testDb.ownerQuery<{ n: string }>(
        `select count(*) as n from audit_logs where request_id = $1 and operation is not null`,
        [requestId],
      )
    ).rows[0]?.n,
  );

const securityEvents = async (tenantId: string, type: string) =>
  (
    await t.testDb.ownerQuery<{ details: Record<string, unknown> }>(
      'select details from security_events where tenant_id = $1 and event_type = $2 order by created_at',
      [tenantId, type],
    )
  ).rows;

const visible = (response: HttpResponse) => {
  const error = (response.body as { error?: { code?: string; message?: string } }).error;
  return { status: response.status, code: error?.code, message: error?.message };
};

beforeAll(async () => {
  t = await startTestServer();
  const ownerA = await signUpOwner(t, 'route-a');
  const ownerB = await signUpOwner(t, 'route-b');
  const invited = await ownerA.client.post<{ user: { id: string }; temporaryPassword: string }>('/users', {
    email: 'member@route-a.test',
    displayName: 'Member',
    role: 'member',
  });
  const member = t.client.fork();
  const signedIn = await member.post('/auth/sign-in', {
    email: 'member@route-a.test',
    password: invited.body.temporaryPassword,
    workspace: 'route-a',
  });
  expect(signedIn.status).toBe(200);
  const owners = { a: ownerA.client, b: ownerB.client };
  world = {
    a: { tenantId: ownerA.tenantId, owner: ownerA.client, member, memberId: invited.body.user.id },
    b: { tenantId: ownerB.tenantId, owner: ownerB.client },
    skillIn: async (tenant, extra = {}) => {
      const response = await owners[tenant].post<{ id: string }>('/skills', {
        slug: `s-${randomUUID().slice(0, 8)}`,
        name: 'A skill',
        description: 'used by the route suite',
        content: 'v1 content',
        ...extra,
      });
      expect(response.status, response.text).toBe(201);
      return response.body.id;
    },
  };
  await world.skillIn('a', { slug: 'merge-target' });
});
afterAll(() => t.close());

describe.each(routeCases)('$method $name', (route) => {
  test('happy path, with exactly its audit events', async () => {
    const skillId = await world.skillIn('a');
    const requestId = `happy-${randomUUID()}`;
    const client = route.role === 'admin' ? world.a.owner : world.a.member;
    const response = await send(client, route, skillId, requestId);
    expect(response.status, response.text).toBe(route.status);
    expect(await auditActionsOf(requestId)).toEqual(route.audits);
  });

  test('without credentials: 401, nothing written', async () => {
    const skillId = await world.skillIn('a');
    const requestId = `anon-${randomUUID()}`;
    const response = await send(t.client.fork(), route, skillId, requestId);
    expect(visible(response)).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    expect(await writesOf(requestId)).toBe(0);
  });

  test.runIf(route.role === 'admin')('a member: 403, recorded as permission_denied, nothing changed', async () => {
    const skillId = await world.skillIn('a');
    const requestId = `member-${randomUUID()}`;
    const before = (await securityEvents(world.a.tenantId, 'permission_denied')).length;
    const response = await send(world.a.member, route, skillId, requestId);
    expect(visible(response)).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    expect((await securityEvents(world.a.tenantId, 'permission_denied')).length).toBe(before + 1);
    expect(await writesOf(requestId)).toBe(0);
  });

  test.runIf(route.takesSkillId)(
    'another tenant’s id: the same 404 as a missing one, recorded, untouched',
    async () => {
      const foreignId = await world.skillIn('b');
      const snapshot = async () =>
        (await t.testDb.ownerQuery('select * from skills where id = $1', [foreignId])).rows.map((r) =>
          JSON.stringify(r),
        );
      const before = await snapshot();
      const probesBefore = await probesFrom(t, world.b.tenantId, world.a.tenantId);
      const foreign = await send(world.a.owner, route, foreignId, `foreign-${randomUUID()}`);
      const missing = await send(world.a.owner, route, randomUUID(), `missing-${randomUUID()}`);
      expect(visible(foreign)).toEqual(visible(missing));
      expect(foreign.status).toBe(404);
      await t.server.settled();
      // Counted in B: the first attempt of A's credential in a window is an event, the rest a tally.
      expect(await probesFrom(t, world.b.tenantId, world.a.tenantId)).toBe(probesBefore + 1);
      const blocked = await securityEvents(world.b.tenantId, 'access_blocked');
      expect(blocked.at(-1)?.details).toMatchObject({ reason: 'cross_tenant_resource', fromTenant: world.a.tenantId });
      expect(await snapshot()).toEqual(before);
    },
  );

  test.runIf(route.badBodies !== undefined)('malformed or oversized input: 400, nothing written', async () => {
    const skillId = await world.skillIn('a');
    for (const bad of [...(route.badBodies ?? []), 'not json']) {
      const requestId = `bad-${randomUUID()}`;
      const response =
        bad === 'not json'
          ? await world.a.owner.request(route.method, route.path(world, skillId), {
              rawBody: '{"oops":',
              headers: { 'x-request-id': requestId },
            })
          : await send(world.a.owner, route, skillId, requestId, bad);
      expect(response.status, `${JSON.stringify(bad).slice(0, 80)} → ${response.text.slice(0, 200)}`).toBe(400);
      expect(['VALIDATION_FAILED', 'BAD_REQUEST']).toContain(visible(response).code);
      expect(await writesOf(requestId)).toBe(0);
    }
  });
});

test('a request body over the server limit is refused with 413', async () => {
  const response = await world.a.owner.request('POST', '/skills', { rawBody: `{"slug":"${'x'.repeat(1_100_000)}"}` });
  expect(visible(response)).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
});

test('search and listing never show another tenant’s skills', async () => {
  await world.skillIn('b', { slug: 'only-in-b', name: 'Zebra migration', description: 'zebra zebra zebra' });
  const search = await world.a.owner.get<{ results: unknown[] }>('/search?q=zebra');
  expect(search.body.results).toEqual([]);
  const similar = await world.a.owner.get<{ results: { slug: string }[] }>(
    '/search/similar?q=zebra%20migration&limit=50',
  );
  expect(similar.body.results.map((r) => r.slug)).not.toContain('only-in-b');
  const bySlug = await world.a.owner.get('/skills/only-in-b');
  expect(bySlug.status).toBe(404);
  const list = await world.a.owner.get<{ skills: { slug: string }[] }>('/skills?limit=100');
  expect(list.body.skills.map((s) => s.slug)).not.toContain('only-in-b');
});
