import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { secretKeyRing, startAuditSinkWorker } from '@skillhub/core';
import { type Database, OperatorDoor, recordAuditEvent, systemActor } from '@skillhub/db';
import { createTestDatabase, type TestDatabase } from '@skillhub/db/testing';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { SyslogReceiver } from '../../../packages/core/test/support/syslog-receiver.ts';
import { sinkWorkerOptions } from '../../api/test/support/sink-test-kit.ts';
import { waitUntil } from '../../api/test/support/wait-until.ts';
import { type ServerProcess, startServe } from './support/crash/server-process.ts';

/**
 * `skillhub serve` killed with SIGKILL while a syslog batch waits for the
 * receiver to close (its acknowledgement) loses nothing: every chain's
 * cursor moves only after that close, so once the dead process's lease
 * runs out another process sends the pinned batch again, then the rest.
 */
let testDb: TestDatabase;
let db: Database;
let receiver: SyslogReceiver;
let server: ServerProcess | undefined;
let home: string;
const key = randomBytes(32);
const actor = systemActor('test');

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await testDb.openApp();
  receiver = await SyslogReceiver.start();
  home = await mkdtemp(path.join(os.tmpdir(), 'skillhub-deployment-crash-'));
});
afterAll(async () => {
  await server?.stop();
  await receiver.stop();
  await db.close();
  await testDb.drop();
  await rm(home, { recursive: true, force: true });
});

const cursors = async () =>
  new Map(
    (
      await testDb.ownerQuery<{ chain: string; delivered_through: string; pending_through: string | null }>(
        'select chain, delivered_through, pending_through from platform.deployment_sink_cursors',
      )
    ).rows.map((r) => [r.chain, r]),
  );

test('the server killed mid-batch: every chain arrives whole, repeats only inside the unacknowledged batch', async () => {
  const tenant = (await db.platform.createTenant({ name: 'crash', slug: 'deployment-crash' }, actor)).id;
  await db.withTenant(tenant, actor, async () => {
    for (let i = 0; i < 120; i++) await recordAuditEvent({ action: 'settings.updated', metadata: { i } });
  });
  await OperatorDoor.use(testDb.ownerUrl, (door) =>
    door.setDeploymentSink({
      url: `syslog://127.0.0.1:${receiver.port}`,
      format: 'jsonl',
      signingSecret: null,
      fromLeaf: 0,
    }),
  );
  expect(await db.sealCommittedAuditEvents()).toBe(true);
  const { rows } = await testDb.ownerQuery<{ chain: string; size: string }>(
    'select chain, max(position) as size from audit.seals group by chain',
  );
  const sizes = new Map(rows.map((r) => [r.chain, Number(r.size)]));
  expect(sizes.get(tenant)).toBeGreaterThan(100);
  // The receiver reads at once but closes late: the server dies before any batch is acknowledged.
  receiver.holdMs = 3_000;
  server = await startServe({
    ownerUrl: testDb.ownerUrl,
    appUrl: testDb.appUrl,
    port: 0,
    extra: {
      SKILLHUB_HOME: home,
      SKILLHUB_SECRETS_KEY: key.toString('base64'),
      SKILLHUB_SINK_BATCH_SIZE: '50',
      SKILLHUB_SINK_LEASE_SECONDS: '2',
    },
  });
  await waitUntil('the first batch of the tenant reaches the receiver', () =>
    receiver.messages.some((m) => m.structuredData[0]?.params.chain === tenant),
  );
  await server.crash();
  server = undefined;
  expect((await cursors()).get(tenant)).toMatchObject({ delivered_through: '-1', pending_through: '49' });

  receiver.holdMs = 0;
  const worker = startAuditSinkWorker(
    db,
    sinkWorkerOptions(secretKeyRing([key]), { batchSize: 50, leaseSeconds: 2, budgetMs: 1_000 }),
  );
  try {
    await waitUntil('every chain acknowledged', async () => {
      const now = await cursors();
      // The server's start recorded more in the system chain: at least what was sealed before.
      return [...sizes].every(([chain, size]) => Number(now.get(chain)?.delivered_through) >= size - 1);
    });
  } finally {
    await worker.stop();
  }
  const tenantLeaves = receiver.messages
    .filter((m) => m.msgId === 'audit' && m.structuredData[0]?.params.chain === tenant)
    .map((m) => Number(m.structuredData[0]?.params.leaf));
  expect([...new Set(tenantLeaves)].sort((a, b) => a - b)).toEqual(
    Array.from({ length: sizes.get(tenant) ?? 0 }, (_, i) => i),
  );
  const repeated = tenantLeaves.filter((leaf, i) => tenantLeaves.indexOf(leaf) !== i);
  expect(repeated.length).toBeGreaterThan(0);
  expect(repeated.every((leaf) => leaf <= 49)).toBe(true);
  expect(receiver.errors).toEqual([]);
});
