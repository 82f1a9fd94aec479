import { randomBytes } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@skillhub/db/testing';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { envFor, runCli } from './support/run-cli.ts';

/** `skillhub sink deployment`: the operator sets, shows, replays and removes the deployment sink; bad input is one line and a non-zero exit. */
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
