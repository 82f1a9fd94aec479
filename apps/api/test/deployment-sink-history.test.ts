import { randomBytes } from 'node:crypto';
import {
  type AuditSinkWorkerOptions,
  deploymentSinkSettings,
  secretKeyRing,
  startAuditSinkWorker,
  testDeploymentSink,
} from '@skillhub/core';
import { OperatorDoor, systemActor } from '@skillhub/db';
import { Webhook } from 'standardwebhooks';
import { afterEach, expect, test } from 'vitest';
import { SyslogReceiver } from '../../../packages/core/test/support/syslog-receiver.ts';
import { recordSealedEvents, sinkTestDatabase, sinkWorkerOptions } from './support/sink-test-kit.ts';
import { waitUntil } from './support/wait-until.ts';
import { WebhookReceiver } from './support/webhook-receiver.ts';

/**
 * The deployment sink's delivery history (migration 0050): every batch is
 * recorded with its chain, leaves, outcome and latency, only by the process
 * holding the chain; `show` gives each chain's lag; a test message reaches
 * a real syslog or webhook receiver and is recorded, delivered or not.
 */
const t = sinkTestDatabase();
const ring = secretKeyRing([randomBytes(32)]);
const actor = systemActor('test');
let receiver: SyslogReceiver | undefined;

const workerOptions = (overrides: Partial<AuditSinkWorkerOptions> = {}) =>
  sinkWorkerOptions(ring, { concurrency: 4, ...overrides });
const show = (attempts = 10) => OperatorDoor.use(t.testDb.ownerUrl, (door) => door.showDeploymentSink(attempts));
const runTest = () =>
  OperatorDoor.use(t.testDb.ownerUrl, (door) => testDeploymentSink(door, ring, { timeoutMs: 2_000 }));

async function setSink(url: string): Promise<string | null> {
  const { settings, signingSecret } = deploymentSinkSettings(ring, { url, format: 'jsonl', fromLeaf: 0 });
  await OperatorDoor.use(t.testDb.ownerUrl, (door) => door.setDeploymentSink(settings));
  return signingSecret;
}

/** A port nothing listens on: a receiver started and stopped. */
async function closedPort(): Promise<number> {
  const closed = await SyslogReceiver.start();
  const port = closed.port;
  await closed.stop();
  return port;
}

afterEach(async () => {
  await receiver?.stop();
  receiver = undefined;
  await OperatorDoor.use(t.testDb.ownerUrl, (door) => door.removeDeploymentSink());
});

test('each batch is recorded with its chain, leaves, outcome and latency; show gives each chain its lag', async () => {
  const tenant = (await t.db.platform.createTenant({ name: 'h', slug: 'history-a' }, actor)).id;
  await recordSealedEvents(t.db, tenant, 60);
  receiver = await SyslogReceiver.start();
  await setSink(`syslog://127.0.0.1:${receiver.port}`);
  let worker = startAuditSinkWorker(t.db, workerOptions());
  await waitUntil('every chain caught up', async () => {
    const state = await show();
    return (
      (state?.chains.length ?? 0) > 0 && (state?.chains ?? []).every((c) => c.deliveredThrough === c.sealedThrough)
    );
  });
  await worker.stop();

  const { rows } = await t.testDb.ownerQuery<{
    chain: string;
    first_leaf: string;
    last_leaf: string;
    event_count: number;
    message_id: string;
    latency_ms: number;
    delivered: boolean;
  }>(
    `select chain, first_leaf, last_leaf, event_count, message_id, latency_ms, delivered
        from platform.deployment_sink_attempts where chain = $1 order by first_leaf`,
    [tenant],
  );
  // Batches of 25 cover the chain's leaves end to end, each once, each delivered.
  let next = 0;
  for (const row of rows) {
    expect(row).toMatchObject({ delivered: true, event_count: Number(row.last_leaf) - Number(row.first_leaf) + 1 });
    expect(Number(row.first_leaf)).toBe(next);
    expect(row.message_id).toBe(`syslog.${tenant}.0.${row.first_leaf}-${row.last_leaf}`);
    expect(row.latency_ms).toBeGreaterThanOrEqual(0);
    next = Number(row.last_leaf) + 1;
  }
  const caughtUp = await show(3);
  const chain = caughtUp?.chains.find((c) => c.chain === tenant);
  expect(next).toBe((chain?.sealedThrough ?? -2) + 1);
  expect(chain).toMatchObject({ deliveredThrough: chain?.sealedThrough, oldestUndeliveredSealedAt: null, failures: 0 });
  expect(chain?.lastDeliveredAt).toBeInstanceOf(Date);
  expect(caughtUp?.attempts).toHaveLength(3);
  const times = caughtUp?.attempts.map((a) => a.attemptedAt.getTime()) ?? [];
  expect(times).toEqual([...times].sort((x, y) => y - x));

  // The receiver goes away: attempts fail and are recorded with the error; the chain falls behind.
  await receiver.stop();
  receiver = undefined;
  await recordSealedEvents(t.db, tenant, 5);
  worker = startAuditSinkWorker(t.db, workerOptions({ onError: () => {} }));
  await waitUntil('a failed attempt recorded', async () =>
    ((await show())?.attempts ?? []).some((a) => a.chain === tenant && !a.delivered),
  );
  await worker.stop();
  const behind = await show();
  const failed = behind?.attempts.find((a) => a.chain === tenant && !a.delivered);
  expect(failed?.error).toMatch(/ECONNREFUSED|closed/);
  expect(failed?.statusCode).toBeNull();
  const lagging = behind?.chains.find((c) => c.chain === tenant);
  expect((lagging?.sealedThrough ?? 0) - (lagging?.deliveredThrough ?? 0)).toBe(5);
  expect(lagging?.oldestUndeliveredSealedAt).toBeInstanceOf(Date);
  expect(lagging?.failures).toBeGreaterThan(0);
});

test('a process that no longer holds the chain records no attempt and moves nothing', async () => {
  const tenant = (await t.db.platform.createTenant({ name: 'l', slug: 'history-lease' }, actor)).id;
  await recordSealedEvents(t.db, tenant, 3);
  await setSink(`syslog://127.0.0.1:${await closedPort()}`);
  const leases = await t.db.deploymentSink.lease(100, 30);
  const lease = leases.find((l) => l.chain === tenant);
  expect(lease).toBeDefined();
  if (!lease) return;
  // A forged or stale token: the history and the cursor stay as they are.
  const forged = { ...lease, leaseToken: '00000000-0000-4000-8000-000000000000' };
  const attempt = { messageId: 'forged', firstLeaf: 0, lastLeaf: 1000, eventCount: 1001, statusCode: 200 };
  await t.db.deploymentSink.settle(forged, { ...attempt, latencyMs: 1, error: null }, 0, 60_000);
  const { rows } = await t.testDb.ownerQuery<{ n: string }>(
    'select count(*) as n from platform.deployment_sink_attempts',
  );
  expect(Number(rows[0]?.n)).toBe(0);
  expect((await show())?.chains.find((c) => c.chain === tenant)?.deliveredThrough).toBe(-1);
});

test('sink deployment test over syslog: one strict RFC 5424 message, recorded; a receiver that is down fails and is recorded', async () => {
  receiver = await SyslogReceiver.start();
  await setSink(`syslog://127.0.0.1:${receiver.port}`);
  const sent = await runTest();
  expect(sent.error).toBeNull();
  const live = receiver;
  await waitUntil('the test message arrived', () => live.messages.length === 1);
  expect(live.errors).toEqual([]);
  expect(live.messages[0]).toMatchObject({ msgId: 'test', appName: 'skillhub' });
  expect(live.messages[0]?.structuredData[0]?.params.test).toBe(sent.messageId);

  await setSink(`syslog://127.0.0.1:${await closedPort()}`);
  const refused = await runTest();
  expect(refused.error).toMatch(/ECONNREFUSED/);
  const history = (await show())?.attempts ?? [];
  expect(history.map((a) => [a.chain, a.delivered, a.firstLeaf])).toEqual([
    [null, false, null],
    [null, true, null],
  ]);
});

test('sink deployment test over a webhook: signed so the standardwebhooks verifier accepts it; a 500 is a failure', async () => {
  const hooks = await WebhookReceiver.start();
  try {
    const secret = await setSink(hooks.url);
    const sent = await runTest();
    expect(sent).toMatchObject({ statusCode: 204, error: null });
    const hook = hooks.received[0];
    expect(hook?.headers['webhook-id']).toBe(sent.messageId);
    const verified = new Webhook(secret ?? '').verify(hook?.body ?? '', hook?.headers ?? {}) as { type: string };
    expect(verified.type).toBe('audit.test');
    hooks.status = 500;
    const failed = await runTest();
    expect(failed.statusCode).toBe(500);
    expect(failed.error).not.toBeNull();
    expect((await show())?.attempts[0]).toMatchObject({ delivered: false, statusCode: 500 });
  } finally {
    await hooks.close();
  }
});

test('with no deployment sink set, a test is refused and nothing is recorded', async () => {
  await expect(runTest()).rejects.toMatchObject({ code: 'NOT_FOUND' });
  const { rows } = await t.testDb.ownerQuery<{ n: string }>(
    'select count(*) as n from platform.deployment_sink_attempts',
  );
  expect(Number(rows[0]?.n)).toBe(0);
});
