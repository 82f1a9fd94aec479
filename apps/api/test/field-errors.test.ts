import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { HttpResponse } from './support/http-client.ts';
import { type SignedUpUser, signUpOwner, startTestServer, type TestServer } from './support/test-server.ts';

let t: TestServer;
let owner: SignedUpUser;
beforeAll(async () => {
  t = await startTestServer();
  owner = await signUpOwner(t, 'fields');
});
afterAll(() => t.close());

interface Refusal {
  error: { code: string; message: string; details?: { path: string; message: string }[] };
}

/** A 400 VALIDATION_FAILED whose details are exactly `details`; zod's own wording appears nowhere. */
function refusedWith(response: HttpResponse<unknown>, details: { path: string; message: string }[]) {
  expect(response.status, response.text).toBe(400);
  const { error } = response.body as Refusal;
  expect(error.code).toBe('VALIDATION_FAILED');
  expect(error.details).toEqual(details);
  expect(response.text).not.toMatch(/Too small|Too big|Invalid input|expected string|received|>=|Unrecognized key/);
  for (const detail of details) expect(error.message).toContain(`${detail.path} ${detail.message}`);
}

describe('validation failures name each field with a human message', () => {
  test('sign-up: every refused field, nested ones by their dotted path', async () => {
    const response = await t.client.post('/auth/sign-up', {
      email: 'not-an-email',
      password: 'short',
      displayName: '',
      workspace: { name: 'Acme', slug: 'Bad Slug' },
    });
    refusedWith(response, [
      { path: 'email', message: 'must be an email address' },
      { path: 'password', message: 'must be at least 10 characters' },
      { path: 'displayName', message: 'must not be empty' },
      { path: 'workspace.slug', message: 'contains characters that are not allowed' },
    ]);
  });

  test('sign-in: a missing field is required, an unknown one named', async () => {
    const response = await t.client.post('/auth/sign-in', { password: 'x', workspace: 'fields', role: 'owner' });
    refusedWith(response, [
      { path: 'email', message: 'is required' },
      { path: 'role', message: 'is not a field this takes' },
    ]);
  });

  test('skill create: an author-written rule keeps its words; list items by index', async () => {
    const response = await owner.client.post('/skills', {
      slug: 'Not A Slug',
      name: 'x'.repeat(201),
      tags: ['ok', 'NOT OK'],
      visibility: 'everyone',
    });
    refusedWith(response, [
      { path: 'slug', message: 'must use lower-case letters, digits and single hyphens' },
      { path: 'name', message: 'must be at most 200 characters' },
      { path: 'tags.1', message: 'must use lower-case tags up to 40 characters' },
      { path: 'visibility', message: 'must be one of "private", "internal", "public"' },
    ]);
  });

  test('API key create: an empty list and a value of the wrong type', async () => {
    const response = await owner.client.post('/api-keys', { name: 42, scopes: [] });
    refusedWith(response, [
      { path: 'name', message: 'must be text' },
      { path: 'scopes', message: 'needs at least one item' },
    ]);
  });

  test('settings: numbers out of range, whole numbers, URLs and refined list entries', async () => {
    const response = await owner.client.request('PUT', '/settings', {
      body: {
        displayName: 'Fields',
        defaultVisibility: 'internal',
        logoUrl: 'ftp://logo',
        throttle: { maxFailuresPerEmail: 0, windowMinutes: 1.5 },
        blocklist: { ips: ['10.0.0.1/8'], emails: [] },
      },
    });
    refusedWith(response, [
      { path: 'logoUrl', message: 'must be a URL starting with http:// or https://' },
      { path: 'throttle.maxFailuresPerEmail', message: 'must be at least 1' },
      { path: 'throttle.windowMinutes', message: 'must be a whole number' },
      {
        path: 'blocklist.ips.0',
        message: 'must be an IPv4 or IPv6 address or CIDR range with no bits set past its prefix (10.0.0.0/8)',
      },
    ]);
  });

  test('a body that is not an object is refused as a whole', async () => {
    const response = await t.client.post('/auth/sign-in', [1, 2]);
    refusedWith(response, [{ path: '', message: 'must be an object' }]);
    expect((response.body as unknown as Refusal).error.message).toBe(
      'The request body is not valid: body must be an object.',
    );
  });

  test('a query value gets the same treatment', async () => {
    const response = await owner.client.get('/skills?limit=500&sort=stars');
    refusedWith(response, [
      { path: 'sort', message: 'must be one of "updated", "created", "name", "rating"' },
      { path: 'limit', message: 'must be at most 100' },
    ]);
  });
});
