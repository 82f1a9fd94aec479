import { randomBytes } from 'node:crypto';
import {
  AdaptiveBatchSize,
  type AuditSinkWorkerOptions,
  createAuditSink,
  secretKeyRing,
  startAuditSinkWorker,
} from '@skillhub/core';
import { systemActor } from '@skillhub/db';
import { expect, test } from 'vitest';
import { recordSealedEvents, sinkTestDatabase, sinkWorkerOptions } from './support/sink-test-kit.ts';
import { waitUntil } from './support/wait-until.ts';
import { WebhookReceiver } from './support/webhook-receiver.ts';

/**
 * Batch sizes adapt (AdaptiveBatchSize): a sink that falls behind gets
 * batches that double up to the maximum, one that keeps up gets the base
 * size; a batch pinned before is resent whole, under the same webhook-id,
 * whatever size is asked now; and the worker prunes delivery history.
 */
const t = sinkTestDatabase();
const ring = secretKeyRing([randomBytes(32)]);
const actor = systemActor('test');

const workerOptions = (overrides: Partial<AuditSinkWorkerOptions> = {}) => sinkWorkerOptions(ring, overrides);

async function sinkTo(slug: string, url: string): Promise<{ tenant: string; sink: string }> {
  const tenant = (await t.db.platform.createTenant({ name: slug, slug }, actor)).id;
  const sink = await t.db.withTenant(tenant, actor, (tx) =>
    createAuditSink(tx, ring, { allowPrivateNetwork: true }, { name: 'siem', url, format: 'jsonl', createdBy: null }),
  );
  return { tenant, sink: sink.id };
}

const batchSizes = (hooks: WebhookReceiver) =>
  hooks.received.map((h) => (JSON.parse(h.body) as { data: { events: unknown[] } }).data.events.length);

test('sizes double while batches come back full, shrink to twice a short batch (not below the base), and hold on a failure', () => {
  const sizes = new AdaptiveBatchSize(10, 80);
  const asked: number[] = [];
  for (let i = 0; i < 5; i++) {
    asked.push(sizes.next('s'));
    sizes.settle('s', sizes.next('s'), sizes.next('s'), true);
  }
  expect(asked).toEqual([10, 20, 40, 80, 80]);
  sizes.settle('s', 80, 80, false);
  expect(sizes.next('s')).toBe(80);
  // A short batch leaves room for twice what came: the next burst of that size goes in one batch.
  sizes.settle('s', 80, 30, true);
  expect(sizes.next('s')).toBe(60);
  sizes.settle('s', 60, 3, true);
  expect(sizes.next('s')).toBe(10);
  expect(sizes.next('another')).toBe(10);
  expect(new AdaptiveBatchSize(500, 100).max).toBe(500);
});

test('a sink with a backlog gets growing batches, every leaf once', async () => {
  const hooks = await WebhookReceiver.start();
  try {
    const { tenant } = await sinkTo('batch-grow', hooks.url);
    await recordSealedEvents(t.db, tenant, 300);
    const worker = startAuditSinkWorker(t.db, workerOptions({ batchSize: 10, maxBatchSize: 80 }));
    const { rows } = await t.testDb.ownerQuery<{ size: string }>(
      'select max(position) as size from audit.seals where chain = $1',
      [tenant],
    );
    const size = Number(rows[0]?.size);
    await waitUntil('all delivered', () => batchSizes(hooks).reduce((a, b) => a + b, 0) >= size);
    await worker.stop();
    const sizes = batchSizes(hooks);
    expect(sizes.slice(0, 4)).toEqual([10, 20, 40, 80]);
    expect(Math.max(...sizes)).toBe(80);
    const leaves = hooks.received.flatMap((h) =>
      (JSON.parse(h.body) as { data: { events: { leaf_index: number }[] } }).data.events.map((e) => e.leaf_index),
    );
    expect(leaves).toEqual(Array.from({ length: size }, (_, i) => i));
  } finally {
    await hooks.close();
  }
});

// Regression: a batch pinned at one size and retried at a smaller one was cut, and resent under another webhook-id.
test('a pinned batch is resent whole under its webhook-id when a smaller batch is asked', async () => {
  const hooks = await WebhookReceiver.start();
  try {
    const { tenant, sink } = await sinkTo('batch-pinned', hooks.url);
    await recordSealedEvents(t.db, tenant, 60);
    hooks.status = 503;
    const failing = startAuditSinkWorker(t.db, workerOptions({ batchSize: 40, onError: () => {} }));
    await waitUntil('a failed attempt', () => hooks.arrivals > 0);
    await failing.stop();
    const { rows } = await t.testDb.ownerQuery<{ webhook_id: string; event_count: number }>(
      'select webhook_id, event_count from audit_sink_attempts where sink_id = $1 order by attempted_at limit 1',
      [sink],
    );
    expect(rows[0]?.event_count).toBe(40);
    hooks.status = 204;
    const worker = startAuditSinkWorker(t.db, workerOptions({ batchSize: 10 }));
    await waitUntil('the pinned batch resent', () => hooks.received.length > 0);
    await worker.stop();
    expect(hooks.received[0]?.headers['webhook-id']).toBe(rows[0]?.webhook_id);
    expect(batchSizes(hooks)[0]).toBe(40);
  } finally {
    await hooks.close();
  }
});

test('the worker prunes delivery history to the newest attempts per sink', async () => {
  const { tenant, sink } = await sinkTo('batch-prune', 'https://siem.example/hook');
  await t.testDb.ownerQuery(
    `insert into audit_sink_attempts (tenant_id, sink_id, attempted_at, webhook_id, event_count, latency_ms, delivered)
     select $1, $2, now() - make_interval(secs => i), 'w' || i, 1, 1, true from generate_series(1, 150) i`,
    [tenant, sink],
  );
  const count = async () => {
    const { rows } = await t.testDb.ownerQuery<{ n: string }>(
      'select count(*) as n from audit_sink_attempts where sink_id = $1',
      [sink],
    );
    return Number(rows[0]?.n);
  };
  const worker = startAuditSinkWorker(t.db, workerOptions({ history: { days: 30, perSink: 100, everyMs: 20 } }));
  await waitUntil('pruned', async () => (await count()) === 100);
  await worker.stop();
});
