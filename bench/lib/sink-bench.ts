import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAuditSink, loadConfig, secretKeyRing, startAuditSinkWorker } from '@skillhub/core';
import { Database, sql, systemActor } from '@skillhub/db';
import { openRawPool } from '@skillhub/db/bench';
import { openBenchDatabase } from './bench-database.ts';

const actor = systemActor('bench');

/**
 * A local webhook receiver for the sink benchmarks: notes for each leaf when
 * it first arrived and the commit time its event carries (`metadata.t`),
 * counts repeats, and answers 503 while `down`.
 */
export function startLeafReceiver() {
  const arrivals = new Map<number, { receivedAt: number; committedAt: number }>();
  const state = { down: false, duplicates: 0, refused: 0 };
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
        data: { events?: { leaf_index: number; event: { metadata: { t?: number } } }[] };
      };
      for (const { leaf_index, event } of body.data.events ?? []) {
        if (arrivals.has(leaf_index)) state.duplicates++;
        else arrivals.set(leaf_index, { receivedAt, committedAt: event.metadata.t ?? Number.NaN });
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

/**
 * One workspace with one sink to `url`, and the server's background work
 * beside it: the sealer and the sink worker with the server's settings
 * (SKILLHUB_SINK_* apply), `retryScale` aside.
 */
export async function startSinkDelivery(db: Database, url: string, options: { retryScale?: number } = {}) {
  const ring = secretKeyRing([randomBytes(32)]);
  const sinks = { ...loadConfig(process.env).sinks, allowPrivateNetwork: true };
  const log = (message: string) => process.stderr.write(`${message}\n`);
  const sealer = db.startAuditSealer({ onError: (error) => log(`sealing: ${String(error)}`) });
  const worker = startAuditSinkWorker(db, {
    ...sinks,
    retryScale: options.retryScale ?? sinks.retryScale,
    secrets: ring,
    webhooks: { allowPrivateNetwork: true, timeoutMs: sinks.timeoutMs },
    budgetMs: (sinks.leaseSeconds * 1000) / 2,
    onError: (error) => log(`delivery: ${String(error)}`),
  });
  const tenant = (await db.platform.createTenant({ name: 'bench', slug: `sink-bench-${Date.now()}` }, actor)).id;
  await db.withTenant(tenant, actor, (tx) =>
    createAuditSink(tx, ring, { allowPrivateNetwork: true }, { name: 'bench', url, format: 'jsonl', createdBy: null }),
  );
  return {
    tenant,
    batchSize: sinks.batchSize,
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

/**
 * Everything a sink benchmark runs on: a fresh database, the runtime
 * role's handle (`connections`), an owner pool for reading results, the
 * receiver and the delivery; `close()` takes it all down in reverse.
 */
export async function openSinkBench(options: { connections: number; retryScale?: number }) {
  process.stderr.write('starting PostgreSQL and migrating a fresh database\n');
  const bench = await openBenchDatabase({ max_connections: '50' });
  const db = await Database.open({
    url: bench.appUrl,
    contextKey: bench.contextKey,
    maxConnections: options.connections,
  });
  const owner = openRawPool({ connectionString: bench.ownerUrl, max: 1 });
  const receiver = startLeafReceiver();
  await receiver.listen();
  const delivery = await startSinkDelivery(db, receiver.url(), options);
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
