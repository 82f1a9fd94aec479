import { randomUUID } from 'node:crypto';
import { apiKeyScopes } from '@skillhub/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openApiDocument } from '../src/index.ts';
import { apiKeyClient } from './support/audit.ts';
import type { HttpClient } from './support/http-client.ts';
import { type SignedUpUser, signUpOwner, startTestServer, type TestServer } from './support/test-server.ts';

/**
 * Who may call each operation, route by route: the table the API's README
 * shows. A new route fails here until it is added (and its guard must
 * declare it, or the app does not build). Then each declaration is tried
 * against the running server: a key holding only the declared scope gets
 * past the guard, a key holding every other scope does not.
 *
 * `public`: no credentials; `users` / `admins`: signed-in users of that
 * least role, no API key; `+<scope>`: also an API key holding that scope
 * (`+any`: any key).
 */
const expected: Record<string, string> = {
  'POST /auth/sign-up': 'public',
  'POST /auth/verify-email': 'public',
  'POST /auth/accept-invitation': 'public',
  'POST /auth/sign-in': 'public',
  'POST /auth/mfa/verify': 'public',
  'POST /auth/sign-out': 'users',
  'GET /auth/me': 'users',
  'POST /auth/password': 'users',
  'POST /auth/mfa/setup': 'users',
  'POST /auth/mfa/confirm': 'users',
  'POST /auth/mfa/disable': 'users',
  'GET /auth/sessions': 'users',
  'DELETE /auth/sessions/{id}': 'users',
  'POST /auth/sessions/end-others': 'users',
  'GET /admin/sessions': 'admins',
  'DELETE /admin/sessions/{id}': 'admins',
  'GET /users': 'admins',
  'POST /users': 'admins',
  'GET /users/{id}': 'admins',
  'PATCH /users/{id}/role': 'admins',
  'POST /users/{id}/deactivate': 'admins',
  'POST /audit/erasures': 'admins',
  'POST /users/{id}/reactivate': 'admins',
  'POST /invitations': 'admins',
  'GET /invitations': 'admins',
  'DELETE /invitations/{id}': 'admins',
  'POST /api-keys': 'admins',
  'GET /api-keys': 'admins',
  'DELETE /api-keys/{id}': 'admins',
  'GET /security-events': 'admins+audit:read',
  'GET /audit-events': 'admins+audit:read',
  'GET /audit/status': 'admins+audit:read',
  'POST /audit/verify': 'admins+audit:read',
  'GET /audit/export': 'admins+audit:read',
  'GET /audit/checkpoint': 'admins+audit:read',
  'GET /audit/events/{id}/proof': 'admins+audit:read',
  'GET /audit/proofs/consistency': 'admins+audit:read',
  'POST /audit/sinks': 'admins',
  'GET /audit/sinks': 'admins',
  'GET /audit/sinks/{id}': 'admins',
  'PATCH /audit/sinks/{id}': 'admins',
  'DELETE /audit/sinks/{id}': 'admins',
  'POST /audit/sinks/{id}/test': 'admins',
  'POST /audit/sinks/{id}/replay': 'admins',
  'GET /audit/sinks/{id}/attempts': 'admins',
  'GET /audit/retention': 'admins+audit:read',
  'PUT /audit/retention/policy': 'admins',
  'POST /audit/legal-holds': 'admins',
  'POST /audit/legal-holds/{id}/release': 'admins',
  'GET /settings': 'users+any',
  'PUT /settings': 'admins',
  'GET /settings/effective': 'admins',
  'POST /skills': 'users+skills:write',
  'GET /skills': 'users+skills:read',
  'POST /skills/merge': 'admins',
  'GET /skills/{ref}': 'users+skills:read',
  'PATCH /skills/{ref}': 'users+skills:write',
  'DELETE /skills/{ref}': 'users+skills:write',
  'POST /skills/{ref}/versions': 'users+skills:write',
  'GET /skills/{ref}/versions': 'users+skills:read',
  'GET /skills/{ref}/versions/{version}': 'users+skills:read',
  'PUT /skills/{ref}/rating': 'users',
  'DELETE /skills/{ref}/rating': 'users',
  'GET /skills/{ref}/review': 'users+skills:read',
  'PUT /skills/{ref}/review': 'admins',
  'POST /skills/{ref}/usage': 'users+usage:write',
  'GET /skills/{ref}/usage': 'users+skills:read',
  'GET /search': 'users+skills:read',
  'GET /search/similar': 'users+skills:read',
  'GET /skills/{ref}/similar': 'users+skills:read',
  'GET /public/{workspace}/skills': 'public',
  'GET /public/{workspace}/skills/{slug}': 'public',
  'GET /health': 'public',
  'GET /health/ready': 'public',
  'GET /.well-known/skillhub/checkpoint-keys': 'public',
};

interface Operation {
  security?: Record<string, string[]>[];
  'x-skillhub-access'?: { role: 'member' | 'admin'; apiKeyScope: string | null };
}

const document = openApiDocument() as unknown as { paths: Record<string, Record<string, Operation>> };
const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
  Object.entries(methods).map(([method, operation]) => ({ key: `${method.toUpperCase()} ${path}`, path, operation })),
);

/** The table's notation for what the document declares. */
const declared = (operation: Operation): string => {
  const access = operation['x-skillhub-access'];
  if (!access) return operation.security?.length ? 'undeclared' : 'public';
  const who = access.role === 'admin' ? 'admins' : 'users';
  return access.apiKeyScope === null ? who : `${who}+${access.apiKeyScope}`;
};

test('every operation of the document is in the table, as the table says, and the table names no other', () => {
  expect(Object.fromEntries(operations.map((o) => [o.key, declared(o.operation)]))).toEqual(expected);
});

test('the document’s security requirements say the same: the session, and a key only with its scope', () => {
  for (const { key, operation } of operations) {
    const access = expected[key] ?? '';
    const scope = access.split('+')[1];
    const security =
      access === 'public' ? [] : [{ session: [] }, ...(scope ? [{ apiKey: scope === 'any' ? [] : [scope] }] : [])];
    expect(operation.security, key).toEqual(security);
  }
});

describe('each declaration holds on the running server', () => {
  let t: TestServer;
  let owner: SignedUpUser;
  const keys = new Map<string, HttpClient>();
  const keyWith = async (scopes: string[]) => {
    const name = [...scopes].sort().join(' ');
    if (!keys.has(name)) keys.set(name, await apiKeyClient(t, owner, scopes));
    return keys.get(name) as HttpClient;
  };

  beforeAll(async () => {
    t = await startTestServer();
    owner = await signUpOwner(t, 'access');
  });
  afterAll(() => t.close());

  const guarded = operations.filter((o) => expected[o.key] !== 'public');
  const concrete = (path: string) =>
    path.replace('{ref}', 'no-such-skill').replace('{id}', randomUUID()).replace('{version}', '1');
  const send = (client: HttpClient, key: string, path: string) => {
    const method = key.split(' ')[0] as string;
    return client.request(method, concrete(path), method === 'GET' || method === 'DELETE' ? {} : { body: {} });
  };

  test.each(guarded)('$key', async ({ key, path }) => {
    const scope = (expected[key] ?? '').split('+')[1];
    expect((await send(t.client.fork(), key, path)).status, 'without credentials').toBe(401);
    if (scope === undefined) {
      // No key may call it, whatever it holds.
      expect((await send(await keyWith([...apiKeyScopes]), key, path)).status, 'a key with every scope').toBe(403);
      return;
    }
    const holding = scope === 'any' ? [apiKeyScopes[0]] : [scope];
    const allowed = await send(await keyWith(holding), key, path);
    expect([401, 403], `a key holding only ${holding}: ${allowed.text.slice(0, 200)}`).not.toContain(allowed.status);
    if (scope !== 'any') {
      const others = apiKeyScopes.filter((s) => s !== scope);
      const refused = await send(await keyWith(others), key, path);
      expect(refused.status, `a key holding everything but ${scope}`).toBe(403);
      expect(refused.body).toMatchObject({ error: { code: 'FORBIDDEN' } });
    }
  });
});
