import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createAuditSink, secretKeyRing, startAuditSinkWorker } from '@skillhub/core';
import { type Database, recordAuditEvent, systemActor } from '@skillhub/db';
import { createTestDatabase, type TestDatabase } from '@skillhub/db/testing';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { waitUntil } from '../../api/test/support/wait-until.ts';
import { WebhookReceiver } from '../../api/test/support/webhook-receiver.ts';
import { type ServerProcess, startServe } from './support/crash/server-process.ts';

/**
 * `skillhub serve` killed with SIGKILL while a batch is on its way to the
 * receiver loses nothing: the cursor moves only on an acknowledgement, so
 * once the dead process's lease runs out another process delivers the same
 * batch again, under the same webhook-id, and then the rest. The receiver
 * ends with every leaf, duplicates only inside the unacknowledged batch.
 */
let testDb: TestDatabase;
let db: Database;
let receiver: WebhookReceiver;
let server: ServerProcess | undefined;
let home: string;
const key = randomBytes(32);
const ring = secretKeyRing([key]);
const actor = systemActor('test');

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await testDb.openApp();
  receiver = await WebhookReceiver.start();
  home = await mkdtemp(path.join(os.tmpdir(), 'skillhub-sink-crash-'));
});
afterAll(async () => {
  await server?.stop();
  await receiver.close();
  await db.close();
  await testDb.drop();
  await rm(home, { recursive: true, force: true });
});

test('the server killed mid-batch: every leaf arrives, the lost batch again under its webhook-id', async () => {
  const tenant = (await db.platform.createTenant({ name: 'crash', slug: 'sink-crash' }, actor)).id;
  await db.withTenant(tenant, actor, async () => {
    for (let i = 0; i < 120; i++) await recordAuditEvent({ action: 'settings.updated', metadata: { i } });
  });
  expect(await db.sealCommittedAuditEvents()).toBe(true);
  const sink = await db.withTenant(tenant, actor, (tx) =>
    createAuditSink(
      tx,
      ring,
      { allowPrivateNetwork: true },
      {
        name: 'siem',
        url: receiver.url,
        format: 'jsonl',
        createdBy: null,
      },
    ),
  );
  // Creating the sink left events too: seal them before counting the leaves.
  expect(await db.sealCommittedAuditEvents()).toBe(true);
  const { rows } = await testDb.ownerQuery<{ size: string }>(
    'select max(position) as size from audit.seals where chain = $1',
    [tenant],
  );
  const size = Number(rows[0]?.size);
  // The receiver takes its time: the server dies while the first batch waits for an answer.
  receiver.delayMs = 3_000;
  server = await startServe({
    ownerUrl: testDb.ownerUrl,
    appUrl: testDb.appUrl,
    port: 0,
    extra: {
      SKILLHUB_HOME: home,
      SKILLHUB_SECRETS_KEY: key.toString('base64'),
      SKILLHUB_SINKS_ALLOW_PRIVATE_NETWORK: 'true',
      SKILLHUB_SINK_BATCH_SIZE: '50',
      SKILLHUB_SINK_LEASE_SECONDS: '2',
    },
  });
  await waitUntil('the first batch reaches the receiver', () => receiver.arrivals > 0);
  await server.crash();
  const cursor = async () =>
    (
      await testDb.ownerQuery<{ delivered_through: string; pending_through: string | null }>(
        'select delivered_through, pending_through from audit_sink_cursors where sink_id = $1',
        [sink.id],
      )
    ).rows[0];
  expect(await cursor()).toEqual({ delivered_through: '-1', pending_through: '49' });

  receiver.delayMs = 0;
  const worker = startAuditSinkWorker(db, {
    secrets: ring,
    webhooks: { allowPrivateNetwork: true, timeoutMs: 5_000 },
    batchSize: 50,
    leaseSeconds: 2,
    budgetMs: 1_000,
    pauseAfterMs: 60_000,
    retryScale: 0.001,
    pollMs: 25,
    concurrency: 2,
    onError: (error) => {
      throw error;
    },
  });
  try {
    await waitUntil('every leaf acknowledged', async () => Number((await cursor())?.delivered_through) === size - 1);
  } finally {
    await worker.stop();
  }
  // The dead server's request may still have been answered by the receiver (its ack was lost with it).
  await new Promise((resolve) => setTimeout(resolve, 3_200));
  const batches = receiver.received.map((hook) => ({
    id: hook.headers['webhook-id'],
    leaves: (
      new Webhook(sink.signingSecret).verify(hook.body, hook.headers) as {
        data: { events: { leaf_index: number }[] };
      }
    ).data.events.map((e) => e.leaf_index),
  }));
  const leaves = batches.flatMap((b) => b.leaves);
  expect([...new Set(leaves)].sort((a, b) => a - b)).toEqual(Array.from({ length: size }, (_, i) => i));
  const repeated = leaves.filter((leaf, i) => leaves.indexOf(leaf) !== i);
  expect(repeated.every((leaf) => leaf <= 49)).toBe(true);
  // The batch that was in flight went again as the same message.
  expect(batches.filter((b) => b.id === `${sink.id}.0.0-49`).length).toBeGreaterThanOrEqual(1);
});
