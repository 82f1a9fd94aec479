import { type Database, startTimerLoop } from '@skillhub/db';
import { AdaptiveBatchSize } from './adaptive-batch-size.ts';
import { deliverDeploymentChain } from './deliver-deployment-chain.ts';
import { type DeliveryOptions, deliverLeasedSink } from './deliver-leased-sink.ts';

/** How much delivery history is kept (platform.prune_sink_history). */
export interface SinkHistoryRetention {
  /** Attempts older than this many days go (SKILLHUB_SINK_HISTORY_DAYS, default 30). */
  days: number;
  /** Only the newest this many attempts of each sink and deployment chain stay (SKILLHUB_SINK_HISTORY_PER_SINK). */
  perSink: number;
  /** How often a process prunes (default hourly); the first time a minute after it starts. */
  everyMs: number;
}

export interface AuditSinkWorkerOptions extends DeliveryOptions {
  /** Pause between polls when no sink was due. */
  pollMs: number;
  /** Sinks delivered at once by this process (each holds a delivery-pool connection only while reading or settling). */
  concurrency: number;
  /** Bounds every sink's delivery history; none is pruned without it. */
  history?: SinkHistoryRetention;
  onError: (error: unknown) => void;
}

export interface AuditSinkWorker {
  /** Stops polling and waits for the deliveries in flight (each bounded by the webhook timeout). */
  stop(): Promise<void>;
}

/**
 * Streams sealed audit events to every due sink (the tenants' and the
 * deployment sink's chains), in the server process:
 * lease due sinks (never the ones another process holds), deliver each,
 * poll again at once while there was work, else after `pollMs`; now and
 * then, prune the delivery history. Delivery runs on the database's
 * delivery pool, so it never takes a connection from requests; a receiver
 * that hangs costs one lease until the webhook timeout cuts it off. Batch
 * sizes adapt per sink between `batchSize` and `maxBatchSize` (see
 * AdaptiveBatchSize).
 */
export function startAuditSinkWorker(db: Database, options: AuditSinkWorkerOptions): AuditSinkWorker {
  const sizes = new AdaptiveBatchSize(options.batchSize, options.maxBatchSize ?? options.batchSize);
  const { history } = options;
  let nextPrune = Date.now() + Math.min(60_000, history?.everyMs ?? 0);
  const prune = async () => {
    if (!history || Date.now() < nextPrune) return;
    nextPrune = Date.now() + history.everyMs;
    await db.auditSinks.pruneHistory(history.days, history.perSink);
  };
  const round = async (): Promise<boolean> => {
    const leases = await db.auditSinks.lease(options.concurrency, options.leaseSeconds);
    // The operator's deployment sink, one lease per chain (every tenant's and the system chain).
    const chains = await db.deploymentSink.lease(options.concurrency, options.leaseSeconds);
    const results = await Promise.allSettled([
      ...leases.map((lease) => deliverLeasedSink(db, lease, options, sizes)),
      ...chains.map((chain) => deliverDeploymentChain(db, chain, options, sizes)),
      prune(),
    ]);
    for (const result of results) if (result.status === 'rejected') options.onError(result.reason);
    return leases.length + chains.length > 0;
  };
  const loop = startTimerLoop({
    round: async () => ((await round()) ? 0 : options.pollMs),
    onError: options.onError,
    afterErrorMs: options.pollMs,
  });
  return { stop: () => loop.stop() };
}
