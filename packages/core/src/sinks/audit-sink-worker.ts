import { type Database, startTimerLoop, type TimerLoop } from '@skillhub/db';
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
 * deployment sink's chains), in the server process: lease due sinks (never
 * the ones another process holds) and deliver each, up to `concurrency`
 * tenant sinks and `concurrency` deployment chains at once; lease again
 * as soon as a delivery ends, else every `pollMs`; now and then, prune the
 * delivery history. Deliveries do not wait for each other: a sink with a
 * large backlog (up to its budget) or a receiver that hangs (up to the
 * timeout) holds one slot, never another sink's turn. Delivery runs on the
 * database's delivery pool, so it never takes a connection from requests.
 * Batch sizes adapt per sink between `batchSize` and `maxBatchSize` (see
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
  const inFlight = new Set<Promise<void>>();
  const busy = { sinks: 0, chains: 0 };
  const launch = (kind: keyof typeof busy, delivery: () => Promise<unknown>) => {
    busy[kind]++;
    const running: Promise<void> = delivery()
      .then(
        () => {},
        (error: unknown) => options.onError(error),
      )
      .finally(() => {
        busy[kind]--;
        inFlight.delete(running);
        // After an await in `round`, so `loop` is set by now.
        loop.wake();
      });
    inFlight.add(running);
  };
  const round = async (): Promise<number> => {
    const freeSinks = options.concurrency - busy.sinks;
    const freeChains = options.concurrency - busy.chains;
    const leases = freeSinks > 0 ? await db.auditSinks.lease(freeSinks, options.leaseSeconds) : [];
    for (const lease of leases) launch('sinks', () => deliverLeasedSink(db, lease, options, sizes));
    // The operator's deployment sink, one lease per chain (every tenant's and the system chain).
    const chains = freeChains > 0 ? await db.deploymentSink.lease(freeChains, options.leaseSeconds) : [];
    for (const chain of chains) launch('chains', () => deliverDeploymentChain(db, chain, options, sizes));
    await prune().catch(options.onError);
    // A round leases all that is due, up to the free slots; a delivery's end wakes the loop for its freed
    // slot, so looking again at once would only spend the delivery pool's two connections on empty leases.
    return options.pollMs;
  };
  const loop: TimerLoop = startTimerLoop({ round, onError: options.onError, afterErrorMs: options.pollMs });
  return {
    stop: async () => {
      await loop.stop();
      await Promise.all(inFlight);
    },
  };
}
