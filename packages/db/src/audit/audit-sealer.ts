import { sql } from 'drizzle-orm';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import type * as schema from '../schema/index.ts';

/** Default pause between sealing runs; an event is sealed within about this long after its commit. */
export const defaultSealIntervalMs = 250;
const batchSize = 10_000;

/**
 * Seals every finished event (see audit.seal_pending); returns how many.
 * Loops until a batch comes back short, so a backlog drains in one call.
 */
export async function sealPendingEvents(db: NodePgDatabase<typeof schema>): Promise<number> {
  let total = 0;
  for (;;) {
    const result = await db.execute<{ sealed: number }>(sql`select audit.seal_pending(${batchSize}) as sealed`);
    const sealed = Number(result.rows[0]?.sealed ?? 0);
    total += sealed;
    if (sealed < batchSize) return total;
  }
}

export interface AuditSealer {
  /** Stops the loop after a last sealing run. */
  stop(): Promise<void>;
}

/** Seals in the background every `intervalMs` while the server runs. */
export function startAuditSealer(
  db: NodePgDatabase<typeof schema>,
  options: { intervalMs?: number; onError?: (error: unknown) => void } = {},
): AuditSealer {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  const tick = () => {
    running = sealPendingEvents(db)
      .catch((error: unknown) => options.onError?.(error))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, options.intervalMs ?? defaultSealIntervalMs);
      });
  };
  tick();
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
      await sealPendingEvents(db).catch((error: unknown) => options.onError?.(error));
    },
  };
}
