import { sql } from 'drizzle-orm';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import { startTimerLoop } from '../background/timer-loop.ts';
import type * as schema from '../schema/index.ts';
import { type CheckpointSigner, signGrownTrees } from './checkpoints/sign-grown-trees.ts';
import { ledgerShards, sealShardBatch, shardNextIds, shardsUnsealedBelow } from './cluster-sealing.ts';

/** Default pause between sealing runs; an event is sealed within about this long after its commit. */
export const defaultSealIntervalMs = 250;
/** Default least pause between two rounds of checkpoints: a grown tree is signed within about this long. */
export const defaultCheckpointIntervalMs = 5_000;
const batchSize = 10_000;

/**
 * Seals every finished event (see audit.seal_pending; on a converted Citus
 * cluster, audit.seal_shard on each shard's node); returns how many.
 * Loops until a batch comes back short, so a backlog drains in one call.
 */
export async function sealPendingEvents(db: NodePgDatabase<typeof schema>): Promise<number> {
  const shards = await ledgerShards(db);
  if (!shards) {
    return drain(async () => {
      const result = await db.execute<{ sealed: number }>(sql`select audit.seal_pending(${batchSize}) as sealed`);
      return Number(result.rows[0]?.sealed ?? 0);
    });
  }
  let total = 0;
  for (const shard of shards) total += await drain(() => sealShardBatch(db, shard, batchSize));
  return total;
}

async function drain(sealBatch: () => Promise<number>): Promise<number> {
  let total = 0;
  for (;;) {
    const sealed = await sealBatch();
    total += sealed;
    if (sealed < batchSize) return total;
  }
}

/**
 * Seals until every event committed before this call is sealed, waiting out
 * other transactions that hold the horizon back, for at most `timeoutMs`.
 * Returns false on timeout (the events stay pending and are sealed later).
 * CLI commands call this before exiting so their events leave sealed.
 */
export async function sealCommittedEvents(db: NodePgDatabase<typeof schema>, timeoutMs = 10_000): Promise<boolean> {
  const shards = await ledgerShards(db);
  let pending: () => Promise<boolean>;
  if (shards) {
    const targets = await shardNextIds(db, shards);
    pending = () => shardsUnsealedBelow(db, targets);
  } else {
    const target = await db.execute<{ xmax: string }>(
      sql`select pg_snapshot_xmax(pg_current_snapshot())::text as xmax`,
    );
    const before = target.rows[0]?.xmax ?? '0';
    pending = async () => {
      const result = await db.execute<{ waiting: boolean }>(
        sql`select audit.unsealed_before(${before}::xid8) as waiting`,
      );
      return result.rows[0]?.waiting === true;
    };
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await sealPendingEvents(db);
    if (!(await pending())) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export interface AuditSealer {
  /** Stops the loop after a last sealing run. */
  stop(): Promise<void>;
}

export interface AuditSealerOptions {
  intervalMs?: number;
  onError?: (error: unknown) => void;
  /** Sign a checkpoint of each grown tree after sealing, at most every `checkpointIntervalMs`. */
  checkpoints?: CheckpointSigner;
  checkpointIntervalMs?: number;
}

/**
 * Seals in the background every `intervalMs` while the server runs and,
 * given a signer, signs checkpoints of the trees that grew (see
 * {@link signGrownTrees}) at most every `checkpointIntervalMs`, right
 * after a sealing run, and once more when stopped.
 */
export function startAuditSealer(db: NodePgDatabase<typeof schema>, options: AuditSealerOptions = {}): AuditSealer {
  // The first round signs whatever grew while the server was down.
  let grown = true;
  let lastCheckpoint = 0;
  const intervalMs = options.intervalMs ?? defaultSealIntervalMs;
  const onError = (error: unknown) => options.onError?.(error);
  const checkpoint = async (force: boolean) => {
    const signer = options.checkpoints;
    if (!signer || !grown) return;
    if (!force && Date.now() - lastCheckpoint < (options.checkpointIntervalMs ?? defaultCheckpointIntervalMs)) return;
    lastCheckpoint = Date.now();
    grown = false;
    await signGrownTrees(db, signer, onError);
  };
  const sealAndSign = async (force: boolean) => {
    if ((await sealPendingEvents(db)) > 0) grown = true;
    await checkpoint(force);
  };
  const loop = startTimerLoop({
    round: async () => {
      await sealAndSign(false);
      return intervalMs;
    },
    onError,
    afterErrorMs: intervalMs,
  });
  return {
    stop: async () => {
      await loop.stop();
      await sealAndSign(true).catch(onError);
    },
  };
}
