import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createAuditSink,
  deploymentSinkSettings,
  loadConfig,
  secretKeyRing,
  startAuditSinkWorker,
} from '@skillhub/core';
import { Database, OperatorDoor, sql, systemActor } from '@skillhub/db';
import { openRawPool } from '@skillhub/db/bench';
import { SyslogReceiver } from '../../packages/core/test/support/syslog-receiver.ts';
import { openBenchDatabase } from './bench-database.ts';

const actor = systemActor('bench');

/** Where a benchmark's events arrive: per leaf, when it first came and when its event was committed. */
export interface LeafArrivals {
  arrivals: Map<number, { receivedAt: number; committedAt: number }>;
  state: { down: boolean; duplicates: number; refused: number };
}

function noteArrival(into: LeafArrivals, leaf: number, receivedAt: number, committedAt: number | undefined) {
  if (into.arrivals.has(leaf)) into.state.duplicates++;
  else into.arrivals.set(leaf, { receivedAt, committedAt: committedAt ?? Number.NaN });
}

/**
 * A local webhook receiver for the sink benchmarks: notes for each leaf when
 * it first arrived and the commit time its event carries (`metadata.t`),
 * counts repeats, and answers 503 while `down`. A deployment sink sends
 * every chain: `chain()` names the one counted (all when it returns null).
 */
export function startLeafReceiver(chain: () => string | null = () => null) {
  const seen: LeafArrivals = { arrivals: new Map(), state: { down: false, duplicates: 0, refused: 0 } };
  const { arrivals, state } = seen;
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (state.down) {
        state.refused++;
        response.writeHead(503).end();
        return;
      }
      const receivedAt = Date.now();
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        data: { tenant?: string; events?: { leaf_index: number; event: { metadata: { t?: number } } }[] };
      };
      const counted = chain();
      if (counted === null || body.data.tenant === counted) {
        for (const { leaf_index, event } of body.data.events ?? []) {
          noteArrival(seen, leaf_index, receivedAt, event.metadata.t);
        }
      }
      response.writeHead(204).end();
    });
  });
  return {
    arrivals,
    state,
    listen: () => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve)),
    url: () => `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** What a sink benchmark delivers to: a workspace's own webhook sink, or the operator's deployment sink. */
export type BenchSink = 'tenant' | 'deployment-webhook' | 'deployment-syslog';
export const benchSinks: readonly BenchSink[] = ['tenant', 'deployment-webhook', 'deployment-syslog'];

/**
 * One workspace and a sink to `url` (the workspace's own, or the
 * deployment sink over the owner's connection), and the server's
 * background work beside it: the sealer and the sink worker with the
 * server's settings (SKILLHUB_SINK_* apply), `retryScale` aside.
 */
export async function startSinkDelivery(
  db: Database,
  target: { sink: BenchSink; url: string; ownerUrl: string },
  options: { retryScale?: number } = {},
) {
  const ring = secretKeyRing([randomBytes(32)]);
  const sinks = { ...loadConfig(process.env).sinks, allowPrivateNetwork: true };
  const log = (message: string) => process.stderr.write(`${message}\n`);
  const tenant = (await db.platform.createTenant({ name: 'bench', slug: `sink-bench-${Date.now()}` }, actor)).id;
  if (target.sink === 'tenant') {
    await db.withTenant(tenant, actor, (tx) =>
      createAuditSink(
        tx,
        ring,
        { allowPrivateNetwork: true },
        { name: 'bench', url: target.url, format: 'jsonl', createdBy: null },
      ),
    );
  } else {
    const { settings } = deploymentSinkSettings(ring, { url: target.url, format: 'jsonl', fromLeaf: 0 });
    await OperatorDoor.use(target.ownerUrl, (door) => door.setDeploymentSink(settings));
  }
  const sealer = db.startAuditSealer({ onError: (error) => log(`sealing: ${String(error)}`) });
  const worker = startAuditSinkWorker(db, {
    ...sinks,
    retryScale: options.retryScale ?? sinks.retryScale,
    secrets: ring,
    webhooks: { allowPrivateNetwork: true, timeoutMs: sinks.timeoutMs },
    budgetMs: (sinks.leaseSeconds * 1000) / 2,
    onError: (error) => log(`delivery: ${String(error)}`),
  });
  return {
    tenant,
    batchSize: sinks.batchSize,
    maxBatchSize: sinks.maxBatchSize,
    /** Commits `count` audited events in one transaction, each carrying its commit time. */
    record: (count: number) =>
      db.withTenant(tenant, actor, (tx) =>
        tx.execute(sql`select audit.record_event('settings.updated', 'bench', i::text,
                         jsonb_build_object('t', ${Date.now()}::bigint))
                       from generate_series(1, ${count}) i`),
      ),
    stop: async () => {
      await worker.stop();
      await sealer.stop();
    },
  };
}

/** A local syslog receiver (the tests' strict RFC 5424 one) noting the arrivals of one chain's leaves. */
async function startSyslogLeafReceiver(chain: () => string | null) {
  const seen: LeafArrivals = { arrivals: new Map(), state: { down: false, duplicates: 0, refused: 0 } };
  const syslog = await SyslogReceiver.start();
  syslog.onMessage = (message) => {
    const params = message.structuredData[0]?.params ?? {};
    if (message.msgId !== 'audit' || params.chain !== chain()) return;
    const event = JSON.parse(message.message) as { metadata?: { t?: number } };
    noteArrival(seen, Number(params.leaf), Date.now(), event.metadata?.t);
  };
  return {
    ...seen,
    url: () => `syslog://127.0.0.1:${syslog.port}`,
    close: async () => {
      // The tests' receiver keeps every message; a benchmark only needs the arrivals.
      syslog.messages.length = 0;
      await syslog.stop();
    },
  };
}

const listening = async <T extends { listen: () => Promise<void> }>(receiver: T): Promise<T> => {
  await receiver.listen();
  return receiver;
};

/**
 * Everything a sink benchmark runs on: a fresh database, the runtime
 * role's handle (`connections`), an owner pool for reading results, the
 * receiver and the delivery; `close()` takes it all down in reverse.
 */
export async function openSinkBench(options: { connections: number; retryScale?: number; sink?: BenchSink }) {
  process.stderr.write('starting PostgreSQL and migrating a fresh database\n');
  const bench = await openBenchDatabase({ max_connections: '50' });
  const db = await Database.open({
    url: bench.appUrl,
    contextKey: bench.contextKey,
    maxConnections: options.connections,
  });
  const owner = openRawPool({ connectionString: bench.ownerUrl, max: 1 });
  const sink = options.sink ?? 'tenant';
  // The deployment sink sends every chain; only the benchmark workspace's is counted.
  let counted: string | null = null;
  const receiver =
    sink === 'deployment-syslog'
      ? await startSyslogLeafReceiver(() => counted)
      : await listening(startLeafReceiver(() => counted));
  const delivery = await startSinkDelivery(db, { sink, url: receiver.url(), ownerUrl: bench.ownerUrl }, options);
  if (sink !== 'tenant') counted = delivery.tenant;
  return {
    where: bench.where,
    owner,
    receiver,
    delivery,
    close: async () => {
      await delivery.stop();
      await receiver.close();
      await owner.end();
      await db.close();
      await bench.close();
    },
  };
}
