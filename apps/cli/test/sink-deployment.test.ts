import { randomBytes } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@skillhub/db/testing';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { SyslogReceiver } from '../../../packages/core/test/support/syslog-receiver.ts';
import { envFor, runCli } from './support/run-cli.ts';

/**
 * `skillhub sink deployment`: the operator sets, shows, tests, replays and
 * removes the deployment sink; bad input is one line and a non-zero exit.
 */
let testDb: TestDatabase;
let env: Record<string, string>;

beforeAll(async () => {
  testDb = await createTestDatabase();
  env = { ...envFor(testDb), SKILLHUB_SECRETS_KEY: randomBytes(32).toString('base64') };
});
afterAll(async () => {
  await testDb.drop();
});

const oneLineError = (result: { code: number | null; stdout: string; stderr: string }, pattern: RegExp) => {
  expect(result.code).not.toBe(0);
  expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(result.stderr).toMatch(pattern);
};

test('bad input is refused in one line, and nothing is set', async () => {
  oneLineError(
    await runCli(['sink', 'deployment', 'set', '--url', 'syslog://logs.example'], env),
    /syslog:\/\/host:port/,
  );
  oneLineError(await runCli(['sink', 'deployment', 'set', '--url', 'ftp://x:1'], env), /https:\/\/ or http:\/\//);
  oneLineError(
    await runCli(['sink', 'deployment', 'set', '--url', 'syslog://h:514', '--from-leaf', '-1'], env),
    /--from-leaf/,
  );
  oneLineError(await runCli(['sink', 'deployment', 'replay'], env), /no deployment sink is set/);
  oneLineError(await runCli(['sink', 'deployment', 'test'], env), /no deployment sink is set/);
  oneLineError(await runCli(['sink', 'deployment', 'show', '--attempts', '5000'], env), /--attempts/);
  oneLineError(await runCli(['sink', 'deployment', 'show', '--attempts', '1e3'], env), /--attempts/);
  const shown = await runCli(['sink', 'deployment', 'show'], env);
  expect(shown.stdout.trim()).toBe('no deployment sink is set');
});

test('set, show, replay and remove; a webhook gets a signing secret shown once and stored sealed', async () => {
  const set = await runCli(
    ['sink', 'deployment', 'set', '--url', 'syslog+tls://logs.example:6514', '--format', 'jsonl'],
    env,
  );
  expect(set.stderr).toBe('');
  expect(set.code).toBe(0);
  expect(set.stdout).toContain('syslog+tls://logs.example:6514 (jsonl)');
  const shown = await runCli(['sink', 'deployment', 'show'], env);
  expect(shown.stdout).toContain('syslog+tls://logs.example:6514 (jsonl), from leaf 0, active');
  const replayed = await runCli(['sink', 'deployment', 'replay', '--from-leaf', '3'], env);
  expect(replayed.code).toBe(0);
  expect((await runCli(['sink', 'deployment', 'show'], env)).stdout).toContain('from leaf 3');

  const webhook = await runCli(['sink', 'deployment', 'set', '--url', 'https://siem.example/hook'], env);
  expect(webhook.code).toBe(0);
  const secret = /signing secret .*: (whsec_\S+)/.exec(webhook.stdout)?.[1];
  expect(secret).toBeDefined();
  const { rows } = await testDb.ownerQuery<{ signing_secret: string }>(
    'select signing_secret from platform.deployment_sink',
  );
  expect(rows[0]?.signing_secret).toMatch(/^v1\./);
  expect(rows[0]?.signing_secret).not.toContain((secret ?? '').slice(6));
  // The change is recorded with the secret redacted.
  const { rows: ledger } = await testDb.ownerQuery<{ n: string }>(
    `select count(*) as n from audit_logs where new_record::text like $1 or old_record::text like $1`,
    [`%${(secret ?? '').slice(6, 20)}%`],
  );
  expect(Number(ledger[0]?.n)).toBe(0);

  expect((await runCli(['sink', 'deployment', 'remove'], env)).code).toBe(0);
  oneLineError(await runCli(['sink', 'deployment', 'remove'], env), /no deployment sink is set/);
});

test('test sends one message to a real syslog receiver (one line, exit 0), fails in one line when it is down, and show lists both', async () => {
  const receiver = await SyslogReceiver.start();
  const port = receiver.port;
  try {
    expect((await runCli(['sink', 'deployment', 'set', '--url', `syslog://127.0.0.1:${port}`], env)).code).toBe(0);
    const sent = await runCli(['sink', 'deployment', 'test'], env);
    expect(sent.stderr).toBe('');
    expect(sent.code).toBe(0);
    expect(sent.stdout.trimEnd().split('\n')).toHaveLength(1);
    expect(sent.stdout).toMatch(/syslog:\/\/127\.0\.0\.1:\d+ took the test message in \d+ ms/);
    expect(receiver.messages.map((m) => m.msgId)).toEqual(['test']);
  } finally {
    await receiver.stop();
  }
  oneLineError(await runCli(['sink', 'deployment', 'test'], env), /did not take the test message .*ECONNREFUSED/);
  const shown = await runCli(['sink', 'deployment', 'show', '--attempts', '5'], env);
  expect(shown.code).toBe(0);
  expect(shown.stdout).toContain('latest 2 attempts:');
  const attempts = shown.stdout.split('\n').filter((line) => line.includes('(test)'));
  expect(attempts).toHaveLength(2);
  expect(attempts[0]).toMatch(/failed .*ECONNREFUSED/);
  expect(attempts[1]).toContain('delivered');
  expect((await runCli(['sink', 'deployment', 'remove'], env)).code).toBe(0);
});
