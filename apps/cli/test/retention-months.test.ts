import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { generateSignerKey, parseSignerKey, systemActor, verifierKey } from '@skillhub/db';
import { createTestDatabase, ledgerHistoryBeforeSql, type TestDatabase } from '@skillhub/db/testing';
import { checkBundle, hashLeafText, nodeHasher, parseVerifierKey, readLines } from '@skillhub/verify';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { envFor, runCli } from './support/run-cli.ts';

/**
 * `skillhub retention policy --system`, `status` and `run` retiring the
 * ledger's oldest month by partition drop (migration 0052), then `audit
 * verify`, `--full` and an offline bundle, through the real binary.
 */
let testDb: TestDatabase;
let dir: string;
let env: Record<string, string>;
let oldest: string;
const origin = 'months.test';
const signerKey = generateSignerKey(origin);

beforeAll(async () => {
  testDb = await createTestDatabase();
  // The clock, set by the test: the history partition moves below three months ago, and month partitions follow.
  const { rows } = await testDb.ownerQuery<{ m: Date }>(
    `select (date_trunc('month', now() at time zone 'UTC') - interval '3 months') at time zone 'UTC' as m`,
  );
  const first = new Date(rows[0]?.m as Date);
  oldest = `audit_logs_p${first.getUTCFullYear()}${String(first.getUTCMonth() + 1).padStart(2, '0')}`;
  const at = first.toISOString();
  await testDb.ownerQuery(ledgerHistoryBeforeSql(at, 6));
  const db = await testDb.openApp();
  const ids = [
    (await db.platform.createTenant({ name: 'Acme', slug: 'acme' }, systemActor('test'))).id,
    (await db.platform.createTenant({ name: 'Other', slug: 'other' }, systemActor('test'))).id,
  ];
  await db.close();
  const events = (tenant: string | null, month: number) =>
    `insert into audit_logs (tenant_id, action, resource_type, metadata, created_at)
     select '${tenant ?? ''}', 'skill.updated', 'skill', '{}',
            ('${at}'::timestamptz + make_interval(months => ${month})) + interval '5 days' + make_interval(hours => g)
     from generate_series(1, 4) g;`;
  let statements = `update audit_logs set created_at = '${at}'::timestamptz + interval '1 hour' where created_at >= '${at}';`;
  for (let month = 0; month < 3; month++) for (const tenant of [...ids, null]) statements += events(tenant, month);
  for (const tenant of ids) {
    statements += `insert into site_settings (tenant_id, audit_retention_days) values ('${tenant}', 30);`;
  }
  await testDb.ownerQuery(`begin; set local session_replication_role = replica; ${statements} commit;`);
  dir = await mkdtemp(path.join(os.tmpdir(), 'skillhub-retention-months-'));
  env = { ...envFor(testDb), SKILLHUB_ORIGIN: origin, SKILLHUB_CHECKPOINT_KEY: signerKey, SKILLHUB_HOME: dir };
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await testDb.drop();
});

const jsonLines = (text: string) =>
  text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

test('the system chain without a policy keeps every month; with one, the run retires the oldest and verify says so', async () => {
  // Dry: a real run would let each workspace's own door remove its expired events (it may; the month may not).
  const before = await runCli(['retention', 'run', '--dry-run'], env);
  expect(before.code, before.stderr).toBe(0);
  expect(before.stdout).toMatch(new RegExp(`^month ${oldest}: stays: the system chain: no retention policy`, 'm'));
  const status = await runCli(['retention', 'status', '--json'], env);
  expect(jsonLines(status.stdout)).toContainEqual(expect.objectContaining({ partition: oldest, retirableNow: false }));
  expect(jsonLines(status.stdout)).toContainEqual({ chain: 'system', keepDays: null, effectiveDays: null });

  const refused = await runCli(['retention', 'policy', '--system', '--days', '7'], env);
  expect(refused.code).toBe(1);
  expect(refused.stderr.trim().split('\n')).toHaveLength(1);
  expect(refused.stderr).toMatch(/between 30 and/);
  const set = await runCli(['retention', 'policy', '--system', '--days', '30'], env);
  expect(set.stdout.trim()).toBe('system chain: keeps 30 days');

  const shown = await runCli(['retention', 'status'], env);
  expect(shown.stdout).toMatch(/^system chain: keeps 30 days$/m);
  expect(shown.stdout).toMatch(new RegExp(`^${oldest}: \\d+ rows, \\d+ kB; can be retired now$`, 'm'));

  const run = await runCli(['retention', 'run'], env);
  expect(run.code, run.stderr).toBe(0);
  expect(run.stdout).toMatch(
    new RegExp(`^month ${oldest}: retired, \\d+ events of 3 chain\\(s\\) removed under signed records$`, 'm'),
  );
  const gone = await testDb.ownerQuery<{ r: string | null }>('select to_regclass($1)::text as r', [`public.${oldest}`]);
  expect(gone.rows[0]?.r).toBeNull();
  // Its files are freed by the same run, after the month left the ledger (migration 0057).
  const setAside = await testDb.ownerQuery(`select from pg_class where relnamespace = 'audit_retired'::regnamespace`);
  expect(setAside.rowCount).toBe(0);

  const verified = await runCli(['audit', 'verify'], env);
  expect(verified.code, verified.stdout).toBe(0);
  expect(verified.stdout).toMatch(/^acme: intact: .*removed by policy \(retention record \[0, /m);
  expect(verified.stdout).toMatch(/system.*intact: .*removed by policy \(retention record \[0, /m);
  const full = await runCli(['audit', 'verify', '--full', '--tenant', 'acme'], env);
  expect(full.code, full.stdout).toBe(0);
  expect(full.stdout).toMatch(/^acme: intact: .*removed by policy/m);
  const bundle = path.join(dir, 'acme.jsonl');
  const exported = await runCli(['audit', 'export', '--tenant', 'acme', '--format', 'bundle', '--out', bundle], env);
  expect(exported.code, exported.stderr).toBe(0);
  const key = await parseVerifierKey(verifierKey(parseSignerKey(signerKey)));
  const report = await checkBundle(readLines(bundle), { keys: [key], hasher: nodeHasher, hashLeafText });
  expect(report.problems).toEqual([]);
  expect(report.ok).toBe(true);
  expect(report.removedByPolicy?.length).toBeGreaterThan(0);
}, 180_000);

test('bad input to the policy: one line on stderr and a non-zero exit', async () => {
  for (const args of [
    ['retention', 'policy', '--days', '30'],
    ['retention', 'policy', '--system'],
    ['retention', 'policy', '--system', '--days', '30', '--forever'],
    ['retention', 'policy', '--system', '--days', 'ten'],
    // Numbers JavaScript reads that are no whole number of days within the bounds (0x10 is 16, below 30).
    ...['-5', '1.5', 'Infinity', '99999999999', '0x10', ''].map((days) => [
      'retention',
      'policy',
      '--system',
      '--days',
      days,
    ]),
  ]) {
    const run = await runCli(args, env, { timeoutMs: 120_000 });
    expect(run.code, args.join(' ')).not.toBe(0);
    expect(run.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    expect(run.stderr, args.join(' ')).toMatch(/\S/);
  }
}, 300_000);
