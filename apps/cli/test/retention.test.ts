import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { generateSignerKey, parseRetentionNote, parseSignerKey, systemActor } from '@skillhub/db';
import { createTestDatabase, type TestDatabase } from '@skillhub/db/testing';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { envFor, runCli } from './support/run-cli.ts';

/** `skillhub retention status|run|hold` and `audit verify` after a removal, through the real binary. */
let testDb: TestDatabase;
let tenantId: string;
let dir: string;
let env: Record<string, string>;
const origin = 'retention.test';
const signerKey = generateSignerKey(origin);

beforeAll(async () => {
  testDb = await createTestDatabase();
  const db = await testDb.openApp();
  tenantId = (await db.platform.createTenant({ name: 'Acme', slug: 'acme' }, systemActor('test'))).id;
  await db.platform.createTenant({ name: 'Other', slug: 'other' }, systemActor('test'));
  await db.close();
  // History from 40 days ago (written before sealing, as it would have been), and the policy.
  await testDb.ownerQuery(`begin; set local session_replication_role = replica;
    update audit_logs set created_at = now() - interval '40 days' where tenant_id = '${tenantId}';
    insert into audit_logs (tenant_id, action, resource_type, metadata, created_at)
    select '${tenantId}', 'skill.updated', 'skill', '{}', now() - interval '40 days' from generate_series(1, 12);
    insert into site_settings (tenant_id, audit_retention_days) values ('${tenantId}', 30);
    commit;`);
  dir = await mkdtemp(path.join(os.tmpdir(), 'skillhub-retention-'));
  env = { ...envFor(testDb), SKILLHUB_ORIGIN: origin, SKILLHUB_CHECKPOINT_KEY: signerKey, SKILLHUB_HOME: dir };
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await testDb.drop();
});

test('a hold blocks the run; released, the run removes the expired prefix once, and verify says so', async () => {
  const placed = await runCli(['retention', 'hold', 'place', '--tenant', 'acme', '--reason', 'audit 2026'], env);
  expect(placed.stderr).toBe('');
  const holdId = /placed hold ([0-9a-f-]{36})/.exec(placed.stdout)?.[1] ?? '';
  expect(holdId).not.toBe('');

  const blocked = await runCli(['retention', 'run', '--json'], env);
  expect(blocked.code).toBe(0);
  // Month lines come first (the ledger's months, none old enough here), then one line per workspace.
  const blockedLines = blocked.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(blockedLines.find((l) => l.tenant === 'acme')).toMatchObject({ status: 'blocked', endLeaf: 0 });
  expect(blockedLines.find((l) => 'partition' in l)).toMatchObject({ status: 'blocked' });

  expect(
    (await runCli(['retention', 'hold', 'release', holdId, '--tenant', 'acme', '--reason', 'done'], env)).code,
  ).toBe(0);
  const dry = await runCli(['retention', 'run', '--tenant', 'acme', '--dry-run'], env);
  expect(dry.stdout).toMatch(/^acme: would remove leaves 0\.\.12 \(policy 30 days\)$/m);

  // Two processes at once: one removes, the other waits for the workspace's lock and finds nothing left.
  const [one, two] = await Promise.all([runCli(['retention', 'run'], env), runCli(['retention', 'run'], env)]);
  const outputs = [one.stdout, two.stdout].join('\n');
  expect(outputs.match(/^acme: removed 13 events, leaves 0\.\.12, under a signed record$/gm)).toHaveLength(1);
  expect(outputs.match(/^acme: nothing expired/gm)).toHaveLength(1);
  expect([one.code, two.code]).toEqual([0, 0]);
  const again = await runCli(['retention', 'run'], env);
  expect(again.stdout).toMatch(/^acme: nothing expired/m);

  const status = await runCli(['retention', 'status', '--json'], env);
  const lines = status.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(lines).toContainEqual(
    expect.objectContaining({ tenant: 'acme', keepDays: 30, removedLeaves: 13, records: 1 }),
  );
  expect(lines).toContainEqual(expect.objectContaining({ tenant: 'other', keepDays: null, records: 0 }));

  const verified = await runCli(['audit', 'verify', '--tenant', 'acme'], env);
  expect(verified.stdout).toMatch(/^acme: intact: .*; leaves 0\.\.12 removed by policy \(retention record \[0, 13\)/m);
  expect(verified.code).toBe(0);
  const full = await runCli(['audit', 'verify', '--full', '--tenant', 'acme'], env);
  expect(full.stdout).toMatch(/^acme: intact: .*13 removed by policy/m);
  expect(full.code).toBe(0);

  const { rows } = await testDb.ownerQuery<{ note: string }>('select note from audit.retention_records');
  expect(parseRetentionNote(rows[0]?.note ?? '')).toMatchObject({ origin: `${origin}/audit/${tenantId}`, endLeaf: 13 });

  // Signed by another key, the record proves nothing: verify fails, naming it.
  const forged = await runCli(['audit', 'verify', '--tenant', 'acme'], {
    ...env,
    SKILLHUB_CHECKPOINT_KEY: generateSignerKey(origin),
  });
  expect(forged.stdout).toMatch(/BROKEN.*forged.*not signed by a trusted key/);
  expect(forged.code).toBe(1);
  expect(parseSignerKey(signerKey).name).toBe(origin);
}, 180_000);

test('bad input: one line on stderr and a non-zero exit', async () => {
  for (const args of [
    ['retention', 'run', '--tenant', 'nope'],
    ['retention', 'hold', 'release', 'not-a-uuid', '--tenant', 'acme', '--reason', 'x'],
    ['retention', 'hold', 'place', '--tenant', 'acme', '--subject', 'not an email', '--reason', 'x'],
    ['retention', 'hold', 'place', '--tenant', 'acme', '--reason', '   '],
  ]) {
    const run = await runCli(args, env);
    expect(run.code, args.join(' ')).not.toBe(0);
    expect(run.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
  }
  // A deployment whose origin changed since its last checkpoint: the record would name another log than the
  // checkpoint it rests on, and the door refuses it. One line, the database's reason, not the statement.
  const otherId = (await testDb.ownerQuery<{ id: string }>(`select id from tenants where slug = 'other'`)).rows[0]?.id;
  await testDb.ownerQuery(`begin; set local session_replication_role = replica;
    update audit_logs set created_at = now() - interval '40 days' where tenant_id = '${otherId}';
    insert into site_settings (tenant_id, audit_retention_days) values ('${otherId}', 30);
    commit;`);
  expect((await runCli(['retention', 'run', '--tenant', 'other', '--dry-run'], env)).stdout).toMatch(/would remove/);
  const renamed = await runCli(['retention', 'run', '--tenant', 'other'], {
    ...env,
    SKILLHUB_ORIGIN: 'renamed.test',
    SKILLHUB_CHECKPOINT_KEY: generateSignerKey('renamed.test'),
  });
  expect(renamed.stdout).toBe("other: FAILED: the retention record's origin is not its checkpoint's\n");
  expect(renamed.code).toBe(1);
  const bad = await runCli(['retention', 'run'], { ...env, SKILLHUB_RETENTION_MIN_DAYS: '0' });
  expect(bad.stderr).toMatch(/^skillhub: SKILLHUB_RETENTION_MIN_DAYS is a whole number of days/);
  expect(bad.code).toBe(1);
});
