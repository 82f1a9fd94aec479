// A workspace's audit sink on a converted Citus cluster (docs/citus.md, step 8): sealed events delivered to
// a real HTTP receiver by the delivery worker, signed and in leaf order, through the sink lease a sink at a
// time (0084; the one statement before it locked a distributed table without its tenant, which Citus
// refuses, so every delivery pass failed). Run by hand like citus-routes.test.ts (docs/citus-lab/README.md):
//   CITUS_LEDGER_URL=postgres://<superuser>@<coordinator>/<db>
//   CITUS_LEDGER_APP_URL=postgres://<runtime role>:<password>@<coordinator>/<db>
// and is skipped without them.
import { randomBytes } from 'node:crypto';
import { createAuditSink, secretKeyRing, startAuditSinkWorker } from '@skillhub/core';
import { type CheckpointSigner, type Database, generateSignerKey, parseSignerKey, systemActor } from '@skillhub/db';
import { type OwnerConnection, openOwnerConnection, openRuntimeDatabase } from '@skillhub/db/testing';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { recordSealedEvents, sinkWorkerOptions } from './support/sink-test-kit.ts';
import { waitUntil } from './support/wait-until.ts';
import { type ReceivedWebhook, WebhookReceiver } from './support/webhook-receiver.ts';

const ownerUrl = process.env.CITUS_LEDGER_URL;
const appUrl = process.env.CITUS_LEDGER_APP_URL;

interface Batch {
  tenant: string;
  last_leaf: number;
  events: { leaf_index: number; event: { metadata: { uid: string } } }[];
  checkpoint: { tree_size: number; note: string } | null;
}

describe.skipIf(!ownerUrl || !appUrl)('audit sinks on a converted Citus cluster', () => {
  let db: Database;
  let owner: OwnerConnection;
  let receiver: WebhookReceiver;
  const ring = secretKeyRing([randomBytes(32)]);
  const signer: CheckpointSigner = { deployment: 'lab.example', key: parseSignerKey(generateSignerKey('lab.example')) };

  beforeAll(async () => {
    owner = openOwnerConnection(ownerUrl ?? '');
    db = await openRuntimeDatabase(ownerUrl ?? '', appUrl ?? '', 4);
    receiver = await WebhookReceiver.start();
  }, 60_000);
  afterAll(async () => {
    await receiver?.close();
    await db?.close();
    await owner?.close();
  });

  test("every sealed leaf of two workspaces reaches each one's receiver once, signed, in order", async () => {
    const made = Date.now().toString(36);
    const tenants: string[] = [];
    for (const label of ['a', 'b']) {
      const slug = `sinks-${label}-${made}`;
      tenants.push((await db.platform.createTenant({ name: slug, slug }, systemActor('lab'))).id);
    }
    const sinks = new Map<string, string>();
    for (const tenant of tenants) {
      await recordSealedEvents(db, tenant, 30);
      const sink = await db.withTenant(tenant, systemActor('lab'), (tx) =>
        createAuditSink(
          tx,
          ring,
          { allowPrivateNetwork: true },
          { name: 'siem', url: receiver.url, format: 'ocsf', createdBy: null },
        ),
      );
      sinks.set(tenant, sink.signingSecret);
    }
    await db.signAuditCheckpoints(signer);
    // Sinks of earlier runs on the lab's database hold secrets sealed under keys this run does not have,
    // and the deployment sink's too: paused while this worker runs (the deployment lease is tried below).
    await owner.query(
      'update audit_sink_cursors set paused_at = now() where paused_at is null and not tenant_id = any ($1)',
      [tenants],
    );
    const deploymentPaused = await owner.query(
      'update platform.deployment_sink set paused_at = now() where paused_at is null returning 1',
    );
    const sealed = new Map<string, string[]>();
    for (const tenant of tenants) {
      const { rows } = await owner.query<{ event_id: string }>(
        'select event_id from audit.seals where chain = $1 order by position',
        [tenant],
      );
      sealed.set(
        tenant,
        rows.map((row) => row.event_id),
      );
    }
    const batchesOf = (tenant: string) =>
      receiver.received
        .map((hook: ReceivedWebhook) => {
          try {
            return (new Webhook(sinks.get(tenant) ?? '').verify(hook.body, hook.headers) as { data: Batch }).data;
          } catch {
            return null;
          }
        })
        .filter((batch): batch is Batch => batch !== null && batch.tenant === tenant);
    const worker = startAuditSinkWorker(db, sinkWorkerOptions(ring));
    try {
      await waitUntil('every leaf of both workspaces delivered', () =>
        tenants.every((tenant) => batchesOf(tenant).at(-1)?.last_leaf === (sealed.get(tenant)?.length ?? 0) - 1),
      );
    } finally {
      await worker.stop();
      if (deploymentPaused.rowCount) await owner.query('update platform.deployment_sink set paused_at = null');
    }
    for (const tenant of tenants) {
      const batches = batchesOf(tenant);
      expect(batches.flatMap((batch) => batch.events.map((event) => event.leaf_index))).toEqual(
        sealed.get(tenant)?.map((_, leaf) => leaf),
      );
      expect(batches.flatMap((batch) => batch.events.map((event) => event.event.metadata.uid))).toEqual(
        sealed.get(tenant),
      );
      expect(batches[0]?.checkpoint?.note).toContain(`lab.example/audit/${tenant}\n`);
    }
  }, 120_000);

  test('the deployment sink leases each chain with unsent seals, probed on its shard (0084)', async () => {
    await owner.query('begin');
    try {
      const configured = await owner.query('update platform.deployment_sink set paused_at = null returning 1');
      expect(configured.rowCount).toBe(1);
      // Every chain past the cursor: a lease for each, and none twice.
      const { rows } = await owner.query<{ chain: string }>(
        'select chain from platform.lease_deployment_chains_unguarded(1000, 60)',
      );
      const chains = rows.map((row) => row.chain);
      expect(chains.length).toBeGreaterThan(1);
      expect(new Set(chains).size).toBe(chains.length);
      const again = await owner.query('select chain from platform.lease_deployment_chains_unguarded(1000, 60)');
      expect(again.rows).toEqual([]);
    } finally {
      await owner.query('rollback');
    }
  });
});
