import { createTestDatabase, type TestDatabase } from '@skillhub/db/testing';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { envFor, runCli } from './support/run-cli.ts';

let testDb: TestDatabase;
beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(() => testDb.drop());

const year = new Date().getUTCFullYear() + 6;

test('skillhub maintain prints one line per partition it created, then nothing to create', async () => {
  const first = await runCli(['maintain', '--at', `${year}-04-15T12:00:00Z`, '--months', '1'], envFor(testDb));
  expect(first.stderr).toBe('');
  expect(first.code).toBe(0);
  expect(first.stdout.split('\n').filter((l) => l.startsWith('created'))).toEqual([
    `created  audit_logs_p${year}04  ${year}-04-01 to ${year}-05-01`,
    `created  audit_logs_p${year}05  ${year}-05-01 to ${year}-06-01`,
    `created  security_events_p${year}04  ${year}-04-01 to ${year}-05-01`,
    `created  security_events_p${year}05  ${year}-05-01 to ${year}-06-01`,
  ]);
  expect(first.stdout).toContain(
    `4 created; audit_logs and security_events have partitions for ${year}-04 to ${year}-05`,
  );
  const again = await runCli(['maintain', '--at', `${year}-04-15T12:00:00Z`, '--months', '1'], envFor(testDb));
  expect(again.code).toBe(0);
  expect(again.stdout).toMatch(/^0 created; /);
});

test('skillhub maintain --json lists the months made sure of and every partition', async () => {
  const run = await runCli(['maintain', '--json'], envFor(testDb));
  expect(run.code).toBe(0);
  const result = JSON.parse(run.stdout) as {
    months: { table: string; partition: string; created: boolean }[];
    partitions: { table: string; partition: string; from: string | null; to: string; bytes: number }[];
  };
  expect(result.months).toHaveLength(8);
  expect(result.partitions.find((p) => p.partition === 'audit_logs_history')).toMatchObject({ from: null });
  expect(result.partitions.some((p) => p.partition === `security_events_p${year}05`)).toBe(true);
  expect(result.partitions.every((p) => p.bytes > 0)).toBe(true);
});

test.each([
  [['--months', '25'], /--months must be a whole number from 0 to 24/],
  [['--months', '-1'], /--months must be a whole number/],
  [['--months', '1e3'], /--months must be a whole number/],
  [['--at', 'yesterday'], /--at must be a date and time/],
  [['--at', '0001-01-01T00:00:00Z'], /--at must be a date and time/],
])('skillhub maintain %j is one line on stderr and exit 1', async (args, message) => {
  const run = await runCli(['maintain', ...args], envFor(testDb));
  expect(run.code).toBe(1);
  expect(run.stderr).toMatch(message);
  expect(run.stderr.trim().split('\n')).toHaveLength(1);
  expect(run.stdout).toBe('');
});
