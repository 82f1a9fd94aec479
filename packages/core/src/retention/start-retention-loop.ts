import type { Database } from '@skillhub/db';
import type { AppConfig } from '../config/app-config.ts';
import { retireLedgerMonths } from './retire-ledger-months.ts';
import { runRetention } from './run-retention.ts';

export interface RetentionLoop {
  /** Stops the loop, waiting for a run in progress. */
  stop(): Promise<void>;
}

/**
 * The server's maintenance loop for retention: every
 * `config.retention.intervalMs` (off when 0) it retires the ledger's
 * oldest months that every chain allows (partition drop, one transaction
 * per month), then applies each workspace's policy
 * (`audit.tenants_with_retention`, then one transaction per workspace).
 * Several servers may run it at once: the retirement lock and each chain's
 * retention lock make them remove once.
 */
export function startRetentionLoop(
  db: Database,
  config: AppConfig,
  onError: (error: unknown) => void,
  onRemoved?: (tenantId: string, events: number) => void,
  onRetired?: (partition: string, events: number) => void,
): RetentionLoop {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const interval = config.retention.intervalMs;
  const tick = () => {
    running = (async () => {
      try {
        for (const month of await retireLedgerMonths(db, config)) {
          if (month.status === 'retired') onRetired?.(month.partition, month.eventsRemoved);
        }
      } catch (error) {
        onError(error);
      }
      const outcomes = await runRetention(db, config, await db.tenantsWithRetention());
      for (const outcome of outcomes) {
        if (outcome.error) onError(new Error(`retention of workspace ${outcome.tenantId}: ${outcome.error}`));
        else if (outcome.eventsRemoved > 0) onRemoved?.(outcome.tenantId, outcome.eventsRemoved);
      }
    })()
      .catch(onError)
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, interval);
      });
  };
  if (interval > 0) timer = setTimeout(tick, Math.min(interval, 60_000));
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
