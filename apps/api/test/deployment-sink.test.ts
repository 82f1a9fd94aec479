import { randomBytes } from 'node:crypto';
import {
  type AuditSinkWorkerOptions,
  deploymentSinkSettings,
  secretKeyRing,
  startAuditSinkWorker,
} from '@skillhub/core';
import {
  type CheckpointSigner,
  type Database,
  generateSignerKey,
  OperatorDoor,
  parseSignerKey,
  systemActor,
} from '@skillhub/db';
import { createTestDatabase, type TestDatabase } from '@skillhub/db/testing';
import { generate } from 'selfsigned';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { type ParsedSyslogMessage, SyslogReceiver } from '../../../packages/core/test/support/syslog-receiver.ts';
import { recordSealedEvents, sinkWorkerOptions } from './support/sink-test-kit.ts';
import { waitUntil } from './support/wait-until.ts';
import { WebhookReceiver } from './support/webhook-receiver.ts';

/**
 * The operator's deployment sink over syslog: every tenant's chain and the
 * system chain reach a real TCP receiver, each event with its chain and
 * leaf index, every leaf once per chain after de-duplication, each batch
 * followed by its chain's checkpoint; a receiver down then up loses
 * nothing; a sink failing too long is paused with a security event in the
 * system chain. (The runtime role's refusal: packages/db/test/deployment-sink-grants.test.ts.)
 */
let testDb: TestDatabase;
let db: Database;
let receiver: SyslogReceiver | undefined;
const ring = secretKeyRing([randomBytes(32)]);
const actor = systemActor('test');
const signer: CheckpointSigner = {
  deployment: 'audit.example',
  key: parseSignerKey(generateSignerKey('audit.example')),
};

const workerOptions = (overrides: Partial<AuditSinkWorkerOptions> = {}) =>
  sinkWorkerOptions(ring, { webhooks: { allowPrivateNetwork: false, timeoutMs: 2_000 }, concurrency: 4, ...overrides });

const recordEvents = (tenantId: string, count: number) => recordSealedEvents(db, tenantId, count);

/** Every chain's sealed size, the system chain as ''. */
async function treeSizes(): Promise<Map<string, number>> {
  const { rows } = await testDb.ownerQuery<{ chain: string; size: string }>(
    'select chain, max(position) as size from audit.seals group by chain',
  );
  return new Map(rows.map((r) => [r.chain, Number(r.size)]));
}

/** The leaves each chain's audit messages carried, de-duplicated, in arrival order of first sight. */
function leavesByChain(messages: readonly ParsedSyslogMessage[]): Map<string, number[]> {
  const seen = new Map<string, number[]>();
  for (const message of messages) {
    if (message.msgId !== 'audit') continue;
    const params = message.structuredData[0]?.params ?? {};
    const chain = params.chain as string;
    const leaves = seen.get(chain) ?? [];
    const leaf = Number(params.leaf);
    if (!leaves.includes(leaf)) leaves.push(leaf);
    seen.set(chain, leaves);
  }
  return seen;
}

async function setSyslogSink(port: number, scheme = 'syslog') {
  const { settings } = deploymentSinkSettings(ring, {
    url: `${scheme}://127.0.0.1:${port}`,
    format: 'jsonl',
    fromLeaf: 0,
  });
  await OperatorDoor.use(testDb.ownerUrl, (door) => door.setDeploymentSink(settings));
}

async function deliveredEverything(messages: () => readonly ParsedSyslogMessage[]) {
  const sizes = await treeSizes();
  const leaves = leavesByChain(messages());
  return [...sizes].every(([chain, size]) => (leaves.get(chain)?.length ?? 0) === size);
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await testDb.openApp({ checkTenantRouting: true });
});
afterAll(async () => {
  await db.close();
  await testDb.drop();
});
afterEach(async () => {
  await receiver?.stop();
  receiver = undefined;
  await OperatorDoor.use(testDb.ownerUrl, (door) => door.removeDeploymentSink());
});

test('every chain, the system chain too, arrives in leaf order, every leaf once, each batch followed by its checkpoint', async () => {
  const a = (await db.platform.createTenant({ name: 'a', slug: 'deploy-a' }, actor)).id;
  const b = (await db.platform.createTenant({ name: 'b', slug: 'deploy-b' }, actor)).id;
  await recordEvents(a, 40);
  await recordEvents(b, 7);
  await db.signAuditCheckpoints(signer);
  receiver = await SyslogReceiver.start();
  await setSyslogSink(receiver.port);
  // The operator's change is itself recorded, in the system chain.
  expect(await db.sealCommittedAuditEvents()).toBe(true);
  const worker = startAuditSinkWorker(db, workerOptions());
  const live = receiver;
  await waitUntil('every chain delivered', () => deliveredEverything(() => live.messages));
  await worker.stop();

  expect(live.errors).toEqual([]);
  const sizes = await treeSizes();
  expect(sizes.get('')).toBeGreaterThan(0);
  const leaves = leavesByChain(live.messages);
  for (const [chain, size] of sizes) {
    expect(leaves.get(chain), `chain ${JSON.stringify(chain)}`).toEqual(Array.from({ length: size }, (_, i) => i));
  }
  // Each audit message is the sealed event at its leaf, in its chain.
  const { rows } = await testDb.ownerQuery<{ chain: string; leaf: string; event_id: string }>(
    'select chain, position - 1 as leaf, event_id from audit.seals',
  );
  const sealedAt = new Map(rows.map((r) => [`${r.chain}/${r.leaf}`, r.event_id]));
  for (const message of live.messages.filter((m) => m.msgId === 'audit')) {
    const params = message.structuredData[0]?.params ?? {};
    expect((JSON.parse(message.message) as { id: string }).id).toBe(sealedAt.get(`${params.chain}/${params.leaf}`));
  }
  // A's 40 events and its creation records come in batches of 25: a checkpoint after each, naming A's tree.
  const checkpoints = live.messages.filter((m) => m.msgId === 'checkpoint' && m.structuredData[0]?.params.chain === a);
  expect(checkpoints.length).toBeGreaterThanOrEqual(2);
  expect(checkpoints[0]?.message).toContain(`audit.example/audit/${a}\n`);
});

test('a receiver down, then up on the same port, gets every leaf of every chain exactly once after de-duplication', async () => {
  const tenant = (await db.platform.createTenant({ name: 'c', slug: 'deploy-c' }, actor)).id;
  const first = await SyslogReceiver.start();
  const port = first.port;
  await first.stop();
  await setSyslogSink(port);
  const worker = startAuditSinkWorker(db, workerOptions({ onError: () => {} }));
  await recordEvents(tenant, 30);
  // Down: the retries at 5 ms and 300 ms fail.
  await new Promise((resolve) => setTimeout(resolve, 400));
  receiver = await SyslogReceiver.start(undefined, port);
  const live = receiver;
  await waitUntil('every chain delivered after the outage', () => deliveredEverything(() => live.messages));
  await worker.stop();
  const sizes = await treeSizes();
  const leaves = leavesByChain(live.messages);
  for (const [chain, size] of sizes) {
    expect(leaves.get(chain)).toEqual(Array.from({ length: size }, (_, i) => i));
  }
  expect(live.errors).toEqual([]);
});

test('a sink failing longer than its threshold is paused, and the pause is a security event in the system chain', async () => {
  const closed = await SyslogReceiver.start();
  const port = closed.port;
  await closed.stop();
  await setSyslogSink(port);
  const worker = startAuditSinkWorker(db, workerOptions({ pauseAfterMs: 200, onError: () => {} }));
  await waitUntil('paused', async () => {
    const state = await OperatorDoor.use(testDb.ownerUrl, (door) => door.showDeploymentSink());
    return state?.pausedAt != null;
  });
  await worker.stop();
  const { rows } = await testDb.ownerQuery<{ tenant_id: string | null; severity: string }>(
    `select tenant_id, severity::text from security_events
      where event_type = 'suspicious_activity' and details ->> 'reason' = 'deployment_sink_paused'`,
  );
  expect(rows).toEqual([{ tenant_id: '', severity: 'high' }]);
  // Paused, nothing is leased until the operator resumes.
  expect(await db.deploymentSink.lease(10, 30)).toEqual([]);
  expect(await OperatorDoor.use(testDb.ownerUrl, (door) => door.replayDeploymentSink(null))).toBe(true);
  expect((await db.deploymentSink.lease(10, 30)).length).toBeGreaterThan(0);
});

test('over TLS to a receiver whose certificate the operator trusts (SKILLHUB_DEPLOYMENT_SINK_CA), every chain arrives', async () => {
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keySize: 2048,
    algorithm: 'sha256',
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
  });
  const tenant = (await db.platform.createTenant({ name: 't', slug: 'deploy-tls' }, actor)).id;
  await recordEvents(tenant, 5);
  receiver = await SyslogReceiver.start({ key: pems.private, cert: pems.cert });
  await setSyslogSink(receiver.port, 'syslog+tls');
  expect(await db.sealCommittedAuditEvents()).toBe(true);
  const worker = startAuditSinkWorker(db, workerOptions({ syslogCa: pems.cert }));
  const live = receiver;
  await waitUntil('every chain delivered over TLS', () => deliveredEverything(() => live.messages));
  await worker.stop();
  expect(live.errors).toEqual([]);
  expect(leavesByChain(live.messages).get(tenant)?.length).toBe((await treeSizes()).get(tenant));
});

test('to a webhook: every chain in signed batches the standardwebhooks verifier accepts, each leaf once per chain', async () => {
  const tenant = (await db.platform.createTenant({ name: 'w', slug: 'deploy-webhook' }, actor)).id;
  await recordEvents(tenant, 30);
  const hooks = await WebhookReceiver.start();
  try {
    const { settings, signingSecret } = deploymentSinkSettings(ring, { url: hooks.url, format: 'jsonl', fromLeaf: 0 });
    await OperatorDoor.use(testDb.ownerUrl, (door) => door.setDeploymentSink(settings));
    expect(await db.sealCommittedAuditEvents()).toBe(true);
    const sizes = await treeSizes();
    const worker = startAuditSinkWorker(db, workerOptions());
    const leaves = () => {
      const byChain = new Map<string, Set<number>>();
      for (const hook of hooks.received) {
        const { data } = new Webhook(signingSecret ?? '').verify(hook.body, hook.headers) as {
          data: { tenant: string; events: { leaf_index: number }[] };
        };
        const seen = byChain.get(data.tenant) ?? new Set<number>();
        for (const e of data.events) seen.add(e.leaf_index);
        byChain.set(data.tenant, seen);
      }
      return byChain;
    };
    await waitUntil('every chain delivered by webhook', () =>
      [...sizes].every(([chain, size]) => leaves().get(chain)?.size === size),
    );
    await worker.stop();
    expect([...(leaves().get(tenant) ?? [])].sort((x, y) => x - y)).toEqual(
      Array.from({ length: sizes.get(tenant) ?? 0 }, (_, i) => i),
    );
  } finally {
    await hooks.close();
  }
});
