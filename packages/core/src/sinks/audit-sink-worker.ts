import type { Database } from '@skillhub/db';
import { deliverDeploymentChain } from './deliver-deployment-chain.ts';
import { type DeliveryOptions, deliverLeasedSink } from './deliver-leased-sink.ts';

export interface AuditSinkWorkerOptions extends DeliveryOptions {
  /** Pause between polls when no sink was due. */
  pollMs: number;
  /** Sinks delivered at once by this process (each holds a delivery-pool connection only while reading or settling). */
  concurrency: number;
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
 * poll again at once while there was work, else after `pollMs`. Delivery
 * runs on the database's delivery pool, so it never takes a connection
 * from requests; a receiver that hangs costs one lease until the webhook
 * timeout cuts it off.
 */
export function startAuditSinkWorker(db: Database, options: AuditSinkWorkerOptions): AuditSinkWorker {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const round = async (): Promise<boolean> => {
    const leases = await db.auditSinks.lease(options.concurrency, options.leaseSeconds);
    // The operator's deployment sink, one lease per chain (every tenant's and the system chain).
    const chains = await db.deploymentSink.lease(options.concurrency, options.leaseSeconds);
    const results = await Promise.allSettled([
      ...leases.map((lease) => deliverLeasedSink(db, lease, options)),
      ...chains.map((chain) => deliverDeploymentChain(db, chain, options)),
    ]);
    for (const result of results) if (result.status === 'rejected') options.onError(result.reason);
    return leases.length + chains.length > 0;
  };
  const tick = () => {
    running = round()
      .catch((error: unknown) => {
        options.onError(error);
        return false;
      })
      .then((busy) => {
        if (!stopped) timer = setTimeout(tick, busy ? 0 : options.pollMs);
      });
  };
  tick();
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
