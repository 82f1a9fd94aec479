import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { generateSignerKey, systemActor } from '@skillhub/db';
import { createTestDatabase, ledgerHistoryBeforeSql, type TestDatabase } from '@skillhub/db/testing';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { envFor, runCli } from './support/run-cli.ts';

/**
 * `skillhub maintain` rewriting the ledger's closed months in tenant order
 * (migration 0056), one per run, then `audit verify` and `--full` over every
 * chain, through the real binary.
 */
let testDb: TestDatabase;
let dir: string;
let env: Record<string, string>;
let months: string[];

beforeAll(async () => {
  testDb = await createTestDatabase();
  // The clock, set by the test: the history partition moves below two months ago, and month partitions follow.
  const { rows } = await testDb.ownerQuery<{ m: Date }>(
    // Counted from the month a day ago was in: on a month's first day the month before is not closed yet.
    `select (date_trunc('month', (now() - interval '1 day') at time zone 'UTC') - make_interval(months => 2 - g))
              at time zone 'UTC' as m
     from generate_series(0, 1) g order by g`,
  );
  const starts = rows.map((r) => new Date(r.m));
  months = starts.map((m) => `audit_logs_p${m.getUTCFullYear()}${String(m.getUTCMonth() + 1).padStart(2, '0')}`);
  const at = starts[0]?.toISOString() ?? '';
  await testDb.ownerQuery(ledgerHistoryBeforeSql(at, 4));
  const db = await testDb.openApp();
  const ids = [];
  for (const slug of ['acme', 'other', 'third']) {
    ids.push((await db.platform.createTenant({ name: slug, slug }, systemActor('test'))).id);
  }
  await db.close();
  // The three workspaces write by turns through both months.
  const list = `array[${ids.map((t) => `'${t}'`).join(', ')}]`;
  await testDb.ownerQuery(
    `begin; set local session_replication_role = replica;
     update audit_logs set created_at = '${at}'::timestamptz - interval '1 day' where created_at >= '${at}';
     insert into audit_logs (tenant_id, action, resource_type, metadata, created_at)
     select (${list})[1 + g % 3], 'skill.updated', 'skill', jsonb_build_object('n', g),
            '${at}'::timestamptz + interval '1 day' + make_interval(hours => g)
     from generate_series(0, 899) g;
     commit;`,
  );
  dir = await mkdtemp(path.join(os.tmpdir(), 'skillhub-maintain-order-'));
  env = {
    ...envFor(testDb),
    SKILLHUB_ORIGIN: 'order.test',
    SKILLHUB_CHECKPOINT_KEY: generateSignerKey('order.test'),
    SKILLHUB_HOME: dir,
  };
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await testDb.drop();
});

const heapInTenantOrder = async (name: string) => {
  const { rows } = await testDb.ownerQuery<{ tenant_id: string }>(`select tenant_id from ${name} order by ctid`);
  return rows.every((row, i) => i === 0 || (rows[i - 1]?.tenant_id ?? '') <= row.tenant_id);
};

test('an unsealed month is refused in one line; sealed, each run orders one closed month, and every chain verifies', async () => {
  const unsealed = await runCli(['maintain'], env);
  expect(unsealed.code).toBe(1);
  expect(unsealed.stderr.trim().split('\n')).toHaveLength(1);
  expect(unsealed.stderr).toMatch(new RegExp(`ordering a closed month failed: month ${months[0]} .* not sealed yet`));
  expect(await heapInTenantOrder(months[0] ?? '')).toBe(false);

  // `audit verify` seals (and checks) first; then the runs.
  const sealed = await runCli(['audit', 'verify'], env);
  expect(sealed.code, sealed.stdout + sealed.stderr).toBe(0);
  const first = await runCli(['maintain'], env);
  expect(first.code, first.stderr).toBe(0);
  expect(first.stdout).toMatch(new RegExp(`^ordered  ${months[0]}  \\d+ events in tenant order \\(copy \\d+ ms`, 'm'));
  expect(first.stdout).toMatch(new RegExp(`^1 of 2 closed months of audit_logs in tenant order: ${months[0]}$`, 'm'));
  expect(await heapInTenantOrder(months[0] ?? '')).toBe(true);
  const skipped = await runCli(['maintain', '--no-order'], env);
  expect(skipped.stdout).not.toMatch(/^ordered /m);
  expect(skipped.stdout).toMatch(/^1 of 2 closed months/m);
  const second = await runCli(['maintain', '--json'], env);
  const result = JSON.parse(second.stdout) as {
    ordered: { partition: string; ordered: boolean };
    order: { partition: string; ordered: boolean }[];
  };
  expect(result.ordered).toMatchObject({ partition: months[1], ordered: true });
  expect(result.order.filter((m) => m.ordered).map((m) => m.partition)).toEqual(months);
  const third = await runCli(['maintain'], env);
  expect(third.stdout).not.toMatch(/^ordered /m);
  expect(third.stdout).toMatch(/^2 of 2 closed months of audit_logs in tenant order/m);

  const verified = await runCli(['audit', 'verify'], env);
  expect(verified.code, verified.stdout).toBe(0);
  expect(verified.stdout).toMatch(/^overall: intact: .* in 4 chains$/m);
  const full = await runCli(['audit', 'verify', '--full'], env);
  expect(full.code, full.stdout).toBe(0);
  expect(full.stdout).toMatch(/^acme: intact/m);
  expect(full.stdout).not.toMatch(/BROKEN|mismatch/i);
}, 180_000);
