import { loadConfig, signIn } from '@skillhub/core';
import { type Database, sql, systemActor } from '@skillhub/db';
import { createTestDatabase, type TestDatabase } from '@skillhub/db/testing';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { envFor, runCli } from './support/run-cli.ts';

/**
 * `skillhub erase`: one line per outcome, a dry run that changes nothing,
 * and a one-line error with a non-zero exit for anything it refuses.
 */
let testDb: TestDatabase;
let db: Database;
let tenantId: string;
let userId: string;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await testDb.openApp();
  tenantId = (await db.platform.createTenant({ name: 'Acme', slug: 'acme' }, systemActor('test'))).id;
  const created = await runCli(
    [
      'user',
      'create',
      '--tenant',
      'acme',
      '--email',
      'dana@acme.example',
      '--name',
      'Dana Erasable',
      '--role',
      'member',
    ],
    envFor(testDb),
  );
  expect(created.code).toBe(0);
  userId = /\(([0-9a-f-]{36})\)/.exec(created.stdout)?.[1] ?? '';
  const password = /^password: (\S+)/m.exec(created.stdout)?.[1] ?? '';
  await signIn(db, loadConfig({}), {
    email: 'dana@acme.example',
    password,
    workspace: 'acme',
    ip: '192.0.2.44',
    device: { fingerprint: null, userAgent: 'DanaPhone', location: null },
    requestId: 'cli-erase-test',
  });
});
afterAll(() => testDb.drop());

const keysOf = async () =>
  (await testDb.ownerQuery('select subject from audit.subject_keys where tenant_id = $1', [tenantId])).rows.length;

test('refuses bad input and an active member in one line, exiting non-zero, with nothing written', async () => {
  const keys = await keysOf();
  for (const [args, message] of [
    [['--subject', 'nobody'], /^skillhub: A subject is a user id or an email address\.\n$/],
    [['--subject', 'x\u0001@acme.example'], /^skillhub: A subject is a user id or an email address\.\n$/],
    [['--subject', userId], /^skillhub: .*active member.*\n$/],
    [['--subject', 'stranger@acme.example'], /^skillhub: This workspace holds no personal data of that subject\.\n$/],
  ] as const) {
    const run = await runCli(['erase', '--tenant', 'acme', ...args], envFor(testDb));
    expect(run.code, args.join(' ')).not.toBe(0);
    expect(run.stderr, args.join(' ')).toMatch(message);
    expect(run.stdout).toBe('');
  }
  const unknown = await runCli(['erase', '--tenant', 'nowhere', '--subject', userId], envFor(testDb));
  expect(unknown.code).not.toBe(0);
  expect(unknown.stderr.split('\n').filter(Boolean)).toHaveLength(1);
  expect(await keysOf()).toBe(keys);
});

test('a dry run reports and changes nothing; the erasure then destroys the keys', async () => {
  const dry = await runCli(
    ['erase', '--tenant', 'acme', '--subject', 'DANA@acme.example', '--dry-run'],
    envFor(testDb),
  );
  expect(dry.code).toBe(0);
  expect(dry.stdout).toMatch(new RegExp(`^subject user:${userId} `, 'm'));
  expect(dry.stdout).toMatch(/^account active \(erasure refused until deactivated\)$/m);
  expect(dry.stdout).toMatch(/^events \d+ would become unreadable: .*new_record\.email/m);
  expect(dry.stdout).toMatch(/^keys 1 would be destroyed$/m);
  expect(await keysOf()).toBeGreaterThan(0);

  await db.withTenant(tenantId, systemActor('test'), (tx) =>
    tx.execute(sql`update users set is_active = false where id = ${userId}`),
  );
  const erased = await runCli(['erase', '--tenant', 'acme', '--subject', userId, '--json'], envFor(testDb));
  expect(erased.code).toBe(0);
  const report = JSON.parse(erased.stdout) as Record<string, unknown>;
  expect(report).toMatchObject({ subject: `user:${userId}`, account: 'deactivated', dryRun: false, keys: 1 });
  const left = await testDb.ownerQuery<{ j: string }>(
    'select l::text as j from audit_logs l where tenant_id = $1 union all select s::text from security_events s',
    [tenantId],
  );
  const text = left.rows.map((r) => r.j).join('\n');
  for (const trace of ['dana@acme.example', 'Dana Erasable', '192.0.2.44', 'DanaPhone'])
    expect(text).not.toContain(trace);
  const verified = await runCli(['audit', 'verify', '--tenant', 'acme'], envFor(testDb));
  expect(verified.code, verified.stdout + verified.stderr).toBe(0);
});
