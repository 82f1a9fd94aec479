import { randomBytes } from 'node:crypto';
import { createAuditSink, secretKeyRing } from '@skillhub/core';
import { type Database, systemActor } from '@skillhub/db';
import { createTestDatabase, type TestDatabase } from '@skillhub/db/testing';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { WebhookReceiver } from '../../api/test/support/webhook-receiver.ts';
import { envFor, runCli } from './support/run-cli.ts';

let testDb: TestDatabase;
let db: Database;
let receiver: WebhookReceiver;
let sink: { id: string; signingSecret: string };
let otherSink: string;
const key = randomBytes(32);
const ring = secretKeyRing([key]);
const actor = systemActor('test');
let env: Record<string, string>;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await testDb.openApp();
  receiver = await WebhookReceiver.start();
  env = {
    ...envFor(testDb),
    SKILLHUB_SECRETS_KEY: key.toString('base64'),
    SKILLHUB_SINKS_ALLOW_PRIVATE_NETWORK: 'true',
  };
  const acme = (await db.platform.createTenant({ name: 'Acme', slug: 'acme' }, actor)).id;
  const other = (await db.platform.createTenant({ name: 'Other', slug: 'other' }, actor)).id;
  const add = (tenant: string, name: string) =>
    db.withTenant(tenant, actor, (tx) =>
      createAuditSink(
        tx,
        ring,
        { allowPrivateNetwork: true },
        { name, url: receiver.url, format: 'ocsf', createdBy: null },
      ),
    );
  sink = await add(acme, 'siem');
  otherSink = (await add(other, 'theirs')).id;
});
afterAll(async () => {
  await receiver.close();
  await db.close();
  await testDb.drop();
});

test('sink list shows each sink with its cursor, lag and state, never the secret', async () => {
  const listed = await runCli(['sink', 'list', '--tenant', 'acme'], env);
  expect(listed.stderr).toBe('');
  expect(listed.code).toBe(0);
  expect(listed.stdout).toMatch(/^id\s+name\s+format\s+delivered\s+lag\s+state\s+url\n/);
  expect(listed.stdout).toContain(`${sink.id}  siem`);
  expect(listed.stdout).not.toContain(sink.signingSecret.slice(6));
  expect(listed.stdout).not.toContain(otherSink);
});

test('sink test delivers a signed message the receiver verifies', async () => {
  const tested = await runCli(['sink', 'test', '--tenant', 'acme', '--id', sink.id], env);
  expect(tested.stderr).toBe('');
  expect(tested.stdout).toMatch(/^delivered: 204 in \d+ ms \(webhook-id test_[0-9a-f-]{36}\)\n$/);
  const hook = receiver.received.at(-1);
  expect(new Webhook(sink.signingSecret).verify(hook?.body ?? '', hook?.headers ?? {})).toMatchObject({
    type: 'audit.test',
  });
});

test('sink replay moves the cursor back and says how much is to send', async () => {
  const replayed = await runCli(['sink', 'replay', '--tenant', 'acme', '--id', sink.id, '--from', '0'], env);
  expect(replayed.stderr).toBe('');
  expect(replayed.stdout).toMatch(/^siem delivers again from leaf 0 \(\d+ events to send\)\n$/);
});

test('errors are one line and a non-zero exit: another workspace’s sink, a bad leaf or id, a down receiver', async () => {
  for (const args of [
    ['sink', 'test', '--tenant', 'acme', '--id', otherSink],
    ['sink', 'replay', '--tenant', 'acme', '--id', sink.id, '--from', '-1'],
    ['sink', 'test', '--tenant', 'acme', '--id', 'not-a-uuid'],
  ]) {
    const failed = await runCli(args, env);
    expect(failed.code, args.join(' ')).not.toBe(0);
    expect(failed.stdout).toBe('');
    expect(failed.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
  }
  receiver.status = 503;
  const down = await runCli(['sink', 'test', '--tenant', 'acme', '--id', sink.id], env);
  receiver.status = 204;
  expect(down.code).toBe(1);
  expect(down.stderr).toBe('skillhub: the sink did not accept the test message: the receiver answered 503\n');
});
