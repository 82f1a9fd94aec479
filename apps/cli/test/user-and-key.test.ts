import { createHash } from 'node:crypto';
import { loadConfig, signIn } from '@skillhub/core';
import { type Database, systemActor } from '@skillhub/db';
import { createTestDatabase, type TestDatabase } from '@skillhub/db/testing';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { trailOf } from './support/audit-trail.ts';
import { envFor, runCli } from './support/run-cli.ts';

let testDb: TestDatabase;
let db: Database;
let tenantId: string;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await testDb.openApp();
  tenantId = (await db.platform.createTenant({ name: 'Acme', slug: 'acme' }, systemActor('test'))).id;
});
afterAll(() => testDb.drop());

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
const signInAs = (email: string, password: string) =>
  signIn(db, loadConfig({}), {
    email,
    password,
    workspace: 'acme',
    ip: '192.0.2.1',
    device: { fingerprint: null, userAgent: 'vitest', location: null },
    requestId: 'cli-test',
  });

test('user create adds an owner who can sign in, with the piped password or a generated one, audited as the CLI', async () => {
  const piped = await runCli(
    ['user', 'create', '--tenant', 'acme', '--email', 'Ada@Acme.Example', '--name', 'Ada Chen', '--password-stdin'],
    envFor(testDb),
    { input: 'correct horse battery staple\n' },
  );
  expect(piped.stderr).toBe('');
  expect(piped.stdout).toMatch(/^created owner ada@acme\.example \([0-9a-f-]{36}\) in acme\n$/);
  expect(piped.code).toBe(0);
  expect((await signInAs('ada@acme.example', 'correct horse battery staple')).mfaRequired).toBe(false);

  const generated = await runCli(
    ['user', 'create', '--tenant', 'acme', '--email', 'bruno@acme.example', '--name', 'Bruno', '--role', 'admin'],
    envFor(testDb),
  );
  const password = /^password: (\S+) {2}\(shown once/m.exec(generated.stdout)?.[1] ?? '';
  expect(password.length).toBeGreaterThanOrEqual(16);
  expect(generated.code).toBe(0);
  await signInAs('bruno@acme.example', password);

  const stored = await testDb.ownerQuery<{ email: string; role: string; password_hash: string }>(
    'select email, role, password_hash from users where tenant_id = $1 order by created_at',
    [tenantId],
  );
  expect(stored.rows.map((u) => [u.email, u.role])).toEqual([
    ['ada@acme.example', 'owner'],
    ['bruno@acme.example', 'admin'],
  ]);
  expect(stored.rows.every((u) => u.password_hash.startsWith('$argon2id$'))).toBe(true);
  const trail = await trailOf(testDb, tenantId, ['user.invited']);
  expect(trail).toEqual([
    expect.objectContaining({ actor_type: 'system', actor_id: 'cli', metadata: { role: 'owner' }, sealed: true }),
    expect.objectContaining({ actor_type: 'system', actor_id: 'cli', metadata: { role: 'admin' }, sealed: true }),
  ]);
});

test('key create prints a key that resolves; key revoke by prefix stops it; both audited as the CLI', async () => {
  const created = await runCli(
    [
      'key',
      'create',
      '--tenant',
      'acme',
      '--name',
      'CI pipeline',
      '--scopes',
      'skills:read, usage:write',
      '--created-by',
      'ada@acme.example',
    ],
    envFor(testDb),
  );
  expect(created.stderr).toBe('');
  expect(created.code).toBe(0);
  const key = /^key: (sk_([0-9a-f]+)_\S+) {2}\(shown once/m.exec(created.stdout);
  const [secret = '', prefix = ''] = [key?.[1], key?.[2]];
  const resolved = await db.platform.resolveApiKey(sha256(secret), systemActor('test'));
  const [ada] = (await testDb.ownerQuery<{ id: string }>(`select id from users where email = 'ada@acme.example'`)).rows;
  expect(resolved).toMatchObject({ tenantId, scopes: ['skills:read', 'usage:write'], createdBy: ada?.id });

  const revoked = await runCli(['key', 'revoke', '--tenant', 'acme', '--prefix', prefix], envFor(testDb));
  expect(revoked.stdout).toBe(`revoked API key "CI pipeline" (${resolved?.keyId}) in acme\n`);
  expect(revoked.code).toBe(0);
  expect(await db.platform.resolveApiKey(sha256(secret), systemActor('test'))).toBeNull();

  expect(created.stdout).toContain('expires: never (until revoked)');

  const trail = await trailOf(testDb, tenantId, ['api_key.created', 'api_key.revoked']);
  expect(trail).toEqual([
    expect.objectContaining({ action: 'api_key.created', actor_id: 'cli', resource_id: resolved?.keyId, sealed: true }),
    expect.objectContaining({ action: 'api_key.revoked', actor_id: 'cli', resource_id: resolved?.keyId, sealed: true }),
  ]);
});

test('key create --expires-in-days gives the key an end; out of range is one line and a non-zero exit', async () => {
  const created = await runCli(
    ['key', 'create', '--tenant', 'acme', '--name', 'Contractor', '--scopes', 'skills:read', '--expires-in-days', '30'],
    envFor(testDb),
  );
  expect(created.code).toBe(0);
  const expires = Date.parse(/^expires: (\S+)$/m.exec(created.stdout)?.[1] ?? '');
  expect(Math.abs(expires - (Date.now() + 30 * 86_400_000))).toBeLessThan(60_000);
  const stored = await testDb.ownerQuery<{ expires_at: Date }>(
    `select expires_at from api_keys where name = 'Contractor'`,
  );
  expect(stored.rows[0]?.expires_at.getTime()).toBe(expires);

  for (const days of ['0', '731']) {
    const refused = await runCli(
      ['key', 'create', '--tenant', 'acme', '--name', 'Bad', '--scopes', 'skills:read', '--expires-in-days', days],
      envFor(testDb),
    );
    expect(refused.code, days).not.toBe(0);
    expect(refused.stderr.trim().split('\n'), days).toHaveLength(1);
  }
  const bad = await testDb.ownerQuery(`select 1 from api_keys where name = 'Bad'`);
  expect(bad.rowCount).toBe(0);
  // Each run starts a process of its own: three of them take a while on a busy machine.
}, 180_000);
