import { randomBytes } from 'node:crypto';
import { createAuditSink, deploymentSinkSettings, secretKeyRing, startAuditSinkWorker } from '@skillhub/core';
import { OperatorDoor, sql, systemActor } from '@skillhub/db';
import { expect, test } from 'vitest';
import { SyslogReceiver } from '../../../packages/core/test/support/syslog-receiver.ts';
import { recordSealedEvents, sinkTestDatabase, sinkWorkerOptions } from './support/sink-test-kit.ts';
import { waitUntil } from './support/wait-until.ts';
import { WebhookReceiver } from './support/webhook-receiver.ts';

/**
 * One slow sink holds one delivery slot, never another sink's turn: while
 * a workspace's receiver takes 1.5 s per batch of a long backlog, another
 * workspace's sink and the deployment sink still get a new event within
 * a second or so.
 */
const t = sinkTestDatabase();
const ring = secretKeyRing([randomBytes(32)]);
const actor = systemActor('test');

async function sinkTo(slug: string, url: string): Promise<string> {
  const tenant = (await t.db.platform.createTenant({ name: slug, slug }, actor)).id;
  await t.db.withTenant(tenant, actor, (tx) =>
    createAuditSink(tx, ring, { allowPrivateNetwork: true }, { name: 'siem', url, format: 'jsonl', createdBy: null }),
  );
  return tenant;
}

const markersIn = (hooks: WebhookReceiver) =>
  hooks.received
    .map((h) => JSON.parse(h.body) as { data: { events: { event: { metadata: { marker?: string } } }[] } })
    .flatMap((b) => b.data.events.map((e) => e.event.metadata.marker));

// Regression: the worker waited for every delivery of a round before leasing again, so a sink with a backlog
// behind a slow receiver held every other sink (the deployment sink too) for its whole budget.
test('a sink draining a backlog into a slow receiver does not hold back other sinks', async () => {
  const slow = await WebhookReceiver.start();
  const fast = await WebhookReceiver.start();
  const syslog = await SyslogReceiver.start();
  const worker = { stop: async () => {} };
  try {
    slow.delayMs = 1_500;
    const backlogged = await sinkTo('fair-slow', slow.url);
    const other = await sinkTo('fair-fast', fast.url);
    await recordSealedEvents(t.db, backlogged, 200);
    const { settings } = deploymentSinkSettings(ring, {
      url: `syslog://127.0.0.1:${syslog.port}`,
      format: 'jsonl',
      fromLeaf: 0,
    });
    await OperatorDoor.use(t.testDb.ownerUrl, (door) => door.setDeploymentSink(settings));
    worker.stop = startAuditSinkWorker(t.db, sinkWorkerOptions(ring, { batchSize: 25 })).stop;
    await waitUntil('the slow sink is being delivered', () => slow.arrivals > 0);
    await waitUntil('the deployment sink caught up', () =>
      syslog.messages.some((m) => m.structuredData[0]?.params.chain === other),
    );

    const marker = `marker-${Date.now()}`;
    const recorded = Date.now();
    // One event carrying the marker, committed and then sealed.
    await t.db.withTenant(other, actor, (tx) =>
      tx.execute(
        sql`select audit.record_event('settings.updated', 'test', 'x', jsonb_build_object('marker', ${marker}::text))`,
      ),
    );
    expect(await t.db.sealCommittedAuditEvents()).toBe(true);
    await waitUntil('the other sink got the new event', () => markersIn(fast).includes(marker), 20_000);
    const toOtherSink = Date.now() - recorded;
    await waitUntil(
      'the deployment sink got the new event',
      () => syslog.messages.some((m) => m.msgId === 'audit' && m.message.includes(marker)),
      20_000,
    );
    const toDeploymentSink = Date.now() - recorded;
    // The slow sink is still draining (200 events, 25 per 1.5 s batch, a 10 s budget per lease).
    expect(slow.received.length).toBeLessThan(8);
    expect(toOtherSink).toBeLessThan(3_000);
    expect(toDeploymentSink).toBeLessThan(3_000);
  } finally {
    await worker.stop();
    await slow.close();
    await fast.close();
    await syslog.stop();
  }
});
