import { randomBytes } from 'node:crypto';
import {
  type AuditSinkWorkerOptions,
  createAuditSink,
  deleteAuditSink,
  listSinkAttempts,
  replayAuditSink,
  secretKeyRing,
  startAuditSinkWorker,
} from '@skillhub/core';
import {
  type CheckpointSigner,
  type Database,
  generateSignerKey,
  parseSignerKey,
  recordAuditEvent,
  sql,
  systemActor,
} from '@skillhub/db';
import { createTestDatabase, type TestDatabase } from '@skillhub/db/testing';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { recordSealedEvents, sinkWorkerOptions } from './support/sink-test-kit.ts';
import { waitUntil } from './support/wait-until.ts';
import { type ReceivedWebhook, WebhookReceiver } from './support/webhook-receiver.ts';

/**
 * Sealed events reach a real HTTP receiver: signed (checked with the
 * standardwebhooks library's own verifier), in leaf order with each leaf
 * index, with the latest checkpoint; a receiver that is down and then up
 * gets every event exactly once after de-duplication by leaf index; a sink
 * failing too long is paused with a security event.
 */
let testDb: TestDatabase;
let db: Database;
let receiver: WebhookReceiver;
const ring = secretKeyRing([randomBytes(32)]);
const actor = systemActor('test');
const signer: CheckpointSigner = {
  deployment: 'audit.example',
  key: parseSignerKey(generateSignerKey('audit.example')),
};

const workerOptions = (overrides: Partial<AuditSinkWorkerOptions> = {}) => sinkWorkerOptions(ring, overrides);

async function newTenant(slug: string): Promise<string> {
  return (await db.platform.createTenant({ name: slug, slug }, actor)).id;
}

const recordEvents = (tenantId: string, count: number) => recordSealedEvents(db, tenantId, count);

async function treeSize(tenantId: string): Promise<number> {
  const { rows } = await testDb.ownerQuery<{ size: string }>(
    'select coalesce(max(position), 0) as size from audit.seals where chain = $1',
    [tenantId],
  );
  return Number(rows[0]?.size);
}

async function addSink(tenantId: string, url: string, fromLeaf?: number) {
  return await db.withTenant(tenantId, actor, (tx) =>
    createAuditSink(
      tx,
      ring,
      { allowPrivateNetwork: true },
      { name: 'siem', url, format: 'ocsf', fromLeaf, createdBy: null },
    ),
  );
}

interface Batch {
  tenant: string;
  first_leaf: number;
  last_leaf: number;
  events: { leaf_index: number; event: { metadata: { uid: string; tenant_uid: string } } }[];
  checkpoint: { tree_size: number; note: string } | null;
}

const verified = (secret: string, hook: ReceivedWebhook) =>
  (new Webhook(secret).verify(hook.body, hook.headers) as { type: string; data: Batch }).data;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await testDb.openApp({ checkTenantRouting: true });
});
afterAll(async () => {
  await db.close();
  await testDb.drop();
});
afterEach(async () => {
  await receiver?.close();
});

test('batches arrive signed, in leaf order, every leaf once, with the latest checkpoint, and only sealed events', async () => {
  receiver = await WebhookReceiver.start();
  const tenant = await newTenant('stream-order');
  await recordEvents(tenant, 60);
  await db.signAuditCheckpoints(signer);
  const sink = await addSink(tenant, receiver.url);
  // Committed but not sealed: must not leave.
  await db.withTenant(tenant, actor, () =>
    recordAuditEvent({ action: 'settings.updated', metadata: { unsealed: true } }),
  );
  const size = await treeSize(tenant);
  const worker = startAuditSinkWorker(db, workerOptions());
  try {
    await waitUntil(
      'every leaf delivered',
      () =>
        receiver.received.length > 0 &&
        verified(sink.signingSecret, receiver.received.at(-1) as ReceivedWebhook).last_leaf === size - 1,
    );
  } finally {
    await worker.stop();
  }
  const batches = receiver.received.map((hook) => verified(sink.signingSecret, hook));
  const leaves = batches.flatMap((b) => b.events.map((e) => e.leaf_index));
  expect(leaves).toEqual(Array.from({ length: size }, (_, i) => i));
  expect(
    batches.every((b) => b.tenant === tenant && b.events.every((e) => e.event.metadata.tenant_uid === tenant)),
  ).toBe(true);
  expect(batches.every((b) => b.events.length <= 25)).toBe(true);
  expect(batches[0]?.checkpoint?.note).toContain(`audit.example/audit/${tenant}\n`);
  // Every event the receiver got is the sealed event at that leaf.
  const { rows } = await testDb.ownerQuery<{ leaf: string; event_id: string }>(
    'select position - 1 as leaf, event_id from audit.seals where chain = $1 order by position',
    [tenant],
  );
  expect(batches.flatMap((b) => b.events.map((e) => e.event.metadata.uid))).toEqual(rows.map((r) => r.event_id));
  // A tampered body fails the library's verification.
  const first = receiver.received[0] as ReceivedWebhook;
  expect(() =>
    new Webhook(sink.signingSecret).verify(first.body.replace('"leaf_index":0', '"leaf_index":1'), first.headers),
  ).toThrow();
});

test('a receiver down for a while, then up, gets every event exactly once after de-duplication by leaf index', async () => {
  receiver = await WebhookReceiver.start();
  const tenant = await newTenant('stream-outage');
  const sink = await addSink(tenant, receiver.url);
  receiver.status = 503;
  const worker = startAuditSinkWorker(db, workerOptions());
  try {
    await recordEvents(tenant, 40);
    // Down: several failed attempts on the retry schedule, nothing acknowledged.
    await waitUntil(
      'three failed attempts',
      async () => (await db.withTenant(tenant, actor, (tx) => listSinkAttempts(tx, sink.id, 50))).length >= 3,
    );
    await recordEvents(tenant, 40);
    receiver.status = 204;
    const size = await treeSize(tenant);
    await waitUntil('every leaf after the outage', () => {
      const leaves = new Set(
        receiver.received.flatMap((h) => verified(sink.signingSecret, h).events.map((e) => e.leaf_index)),
      );
      return leaves.size === size;
    });
  } finally {
    await worker.stop();
  }
  const size = await treeSize(tenant);
  const leaves = receiver.received.flatMap((h) => verified(sink.signingSecret, h).events.map((e) => e.leaf_index));
  expect([...new Set(leaves)].sort((a, b) => a - b)).toEqual(Array.from({ length: size }, (_, i) => i));
  const attempts = await db.withTenant(tenant, actor, (tx) => listSinkAttempts(tx, sink.id, 200));
  const failed = attempts.filter((a) => !a.delivered);
  expect(failed.length).toBeGreaterThanOrEqual(3);
  expect(failed.every((a) => a.statusCode === 503)).toBe(true);
  // Retries resent the same batch under the same webhook-id: the first acknowledged id was tried before.
  const firstDelivered = attempts.filter((a) => a.delivered).at(-1);
  expect(failed.some((a) => a.webhookId === firstDelivered?.webhookId)).toBe(true);
});

test('replay from a leaf index delivers again from there, under new webhook ids', async () => {
  receiver = await WebhookReceiver.start();
  const tenant = await newTenant('stream-replay');
  await recordEvents(tenant, 10);
  const sink = await addSink(tenant, receiver.url, 5);
  const size = await treeSize(tenant);
  const worker = startAuditSinkWorker(db, workerOptions());
  try {
    await waitUntil('the first pass', () =>
      receiver.received.some((h) => verified(sink.signingSecret, h).last_leaf === size - 1),
    );
    const firstIds = receiver.received.map((h) => h.headers['webhook-id']);
    expect(verified(sink.signingSecret, receiver.received[0] as ReceivedWebhook).first_leaf).toBe(5);
    receiver.received.length = 0;
    await db.withTenant(tenant, actor, (tx) => replayAuditSink(tx, sink.id, 2));
    await waitUntil('the replay', async () => {
      const last = receiver.received.at(-1);
      return last !== undefined && verified(sink.signingSecret, last).last_leaf >= size - 1;
    });
    expect(verified(sink.signingSecret, receiver.received[0] as ReceivedWebhook).first_leaf).toBe(2);
    expect(receiver.received.some((h) => firstIds.includes(h.headers['webhook-id']))).toBe(false);
  } finally {
    await worker.stop();
  }
});

test('a sink failing longer than the pause threshold is paused, with a security event', async () => {
  receiver = await WebhookReceiver.start();
  const tenant = await newTenant('stream-pause');
  await recordEvents(tenant, 3);
  const sink = await addSink(tenant, receiver.url);
  receiver.status = 500;
  const worker = startAuditSinkWorker(db, workerOptions({ pauseAfterMs: 300 }));
  try {
    await waitUntil('the sink paused', async () => {
      const { rows } = await testDb.ownerQuery<{ paused_at: Date | null }>(
        'select paused_at from audit_sink_cursors where sink_id = $1',
        [sink.id],
      );
      return rows[0]?.paused_at != null;
    });
  } finally {
    await worker.stop();
  }
  const { rows } = await testDb.ownerQuery<{ event_type: string; severity: string; details: { sink_id: string } }>(
    'select event_type, severity, details from security_events where tenant_id = $1 and details->>$2 = $3',
    [tenant, 'reason', 'audit_sink_paused'],
  );
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatchObject({ event_type: 'suspicious_activity', severity: 'high', details: { sink_id: sink.id } });
  // Paused: no more attempts however long we wait.
  const count = async () => (await db.withTenant(tenant, actor, (tx) => listSinkAttempts(tx, sink.id, 500))).length;
  const before = await count();
  const again = startAuditSinkWorker(db, workerOptions());
  await new Promise((resolve) => setTimeout(resolve, 300));
  await again.stop();
  expect(await count()).toBe(before);
});

test('the signing secret is stored sealed and appears in no ledger record', async () => {
  const tenant = await newTenant('stream-secret');
  const sink = await addSink(tenant, 'https://siem.example/hook');
  const { rows } = await testDb.ownerQuery<{ signing_secret: string }>(
    'select signing_secret from audit_sinks where id = $1',
    [sink.id],
  );
  expect(rows[0]?.signing_secret).toMatch(new RegExp(`^v1\\.${ring.current.id}\\.`));
  expect(rows[0]?.signing_secret).not.toContain(sink.signingSecret.slice(6));
  const ledger = await testDb.ownerQuery<{ n: string }>(
    `select count(*) as n from audit_logs where tenant_id = $1 and (metadata::text || coalesce(new_record::text, '')) like $2`,
    [tenant, `%${sink.signingSecret.slice(6, 30)}%`],
  );
  expect(Number(ledger.rows[0]?.n)).toBe(0);
  const recorded = await testDb.ownerQuery<{ n: string }>(
    `select count(*) as n from audit_logs where tenant_id = $1 and action in ('audit_sink.created', 'audit_sinks.insert')`,
    [tenant],
  );
  expect(Number(recorded.rows[0]?.n)).toBe(2);
});

test('the lease: two processes polling at once never hold the same sink', async () => {
  const tenant = await newTenant('stream-lease');
  await recordEvents(tenant, 2);
  const sink = await addSink(tenant, 'https://siem.example/hook');
  const other = await testDb.openApp({ checkTenantRouting: true });
  try {
    const [a, b] = await Promise.all([db.auditSinks.lease(1000, 30), other.auditSinks.lease(1000, 30)]);
    const holders = [...(a ?? []), ...(b ?? [])].filter((l) => l.sinkId === sink.id);
    expect(holders).toHaveLength(1);
  } finally {
    await other.close();
  }
  // Leased: nobody else gets it until the lease runs out.
  expect((await db.auditSinks.lease(1000, 30)).some((l) => l.sinkId === sink.id)).toBe(false);
  await testDb.ownerQuery(
    `update audit_sink_cursors set leased_until = now() - interval '1 second' where sink_id = $1`,
    [sink.id],
  );
  expect((await db.auditSinks.lease(1000, 30)).some((l) => l.sinkId === sink.id)).toBe(true);
  void sql;
});

// Regression: a sink that caught up kept its lease until it expired, so the next event waited the whole lease.
test('a caught-up sink delivers the next sealed event at once, not after its lease', async () => {
  receiver = await WebhookReceiver.start();
  const tenant = await newTenant('stream-next');
  await recordEvents(tenant, 3);
  const sink = await addSink(tenant, receiver.url);
  const worker = startAuditSinkWorker(db, workerOptions({ leaseSeconds: 30 }));
  try {
    await waitUntil('the first batch', () => receiver.received.length > 0);
    await recordEvents(tenant, 1);
    const size = await treeSize(tenant);
    const started = Date.now();
    await waitUntil(
      'the next event',
      () => receiver.received.some((h) => verified(sink.signingSecret, h).last_leaf === size - 1),
      5_000,
    );
    expect(Date.now() - started).toBeLessThan(5_000);
  } finally {
    await worker.stop();
  }
});

// Regression: a sink deleted while its batch was on the way made the settling transaction fail (its history's foreign key).
test('a sink deleted mid-delivery ends quietly: no error, no history left behind', async () => {
  receiver = await WebhookReceiver.start();
  receiver.delayMs = 500;
  const tenant = await newTenant('stream-deleted');
  await recordEvents(tenant, 3);
  const sink = await addSink(tenant, receiver.url);
  const errors: unknown[] = [];
  const worker = startAuditSinkWorker(db, workerOptions({ onError: (error) => errors.push(error) }));
  try {
    await waitUntil('the batch on its way', () => receiver.arrivals > 0);
    await db.withTenant(tenant, actor, (tx) => deleteAuditSink(tx, sink.id));
    await new Promise((resolve) => setTimeout(resolve, 800));
  } finally {
    await worker.stop();
  }
  expect(errors).toEqual([]);
  const { rows } = await testDb.ownerQuery('select 1 from audit_sink_attempts where sink_id = $1', [sink.id]);
  expect(rows).toHaveLength(0);
});
