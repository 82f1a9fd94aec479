import { sql } from 'drizzle-orm';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import type * as schema from '../schema/index.ts';

type Db = NodePgDatabase<typeof schema>;

// The conversion runs with the server stopped, so what a process found at its first round holds.
const installed = new WeakMap<Db, Promise<boolean>>();

/**
 * The ledger's shards on a converted Citus cluster, each named by a value that hashes into it
 * (packages/db/citus/sealing-per-shard.sql); null on one server, where audit.seal_pending seals
 * every chain at once.
 */
export async function ledgerShards(db: Db): Promise<string[] | null> {
  let present = installed.get(db);
  if (!present) {
    present = db
      .execute<{ present: boolean }>(sql`select to_regclass('audit.shard_representatives') is not null as present`)
      .then((result) => result.rows[0]?.present === true);
    installed.set(db, present);
    present.catch(() => installed.delete(db));
  }
  if (!(await present)) return null;
  const { rows } = await db.execute<{ representative: string }>(
    sql`select representative from audit.shard_representatives order by shard`,
  );
  return rows.map((row) => row.representative);
}

/**
 * Seals each shard on its node, one call per shard (Citus delegates a call made outside a transaction
 * block by its argument), each until a batch comes back short; returns how many were sealed.
 */
export async function sealShards(db: Db, shards: readonly string[], batchSize: number): Promise<number> {
  let total = 0;
  for (const shard of shards) {
    for (;;) {
      const result = await db.execute<{ sealed: number }>(
        sql`select audit.seal_shard(${shard}, ${batchSize}) as sealed`,
      );
      const sealed = Number(result.rows[0]?.sealed ?? 0);
      total += sealed;
      if (sealed < batchSize) break;
    }
  }
  return total;
}

/**
 * Seals until every event committed on a shard's node before this call is sealed, waiting out the node's
 * open transactions that hold its horizon back, for at most `timeoutMs`; false on timeout. Each node's
 * transaction ids order only its own events, so each shard is waited for up to its own node's next id.
 */
export async function sealShardsCommitted(
  db: Db,
  shards: readonly string[],
  batchSize: number,
  timeoutMs: number,
): Promise<boolean> {
  // No cast around a call: Citus delegates only a call that is the target list's expression itself.
  const targets: [string, string][] = [];
  for (const shard of shards) {
    const result = await db.execute<{ xmax: string }>(sql`select audit.shard_xmax(${shard}) as xmax`);
    targets.push([shard, result.rows[0]?.xmax ?? '0']);
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await sealShards(db, shards, batchSize);
    let waiting = false;
    for (const [shard, xmax] of targets) {
      const result = await db.execute<{ waiting: boolean }>(
        sql`select audit.shard_unsealed_below(${shard}, ${xmax}::xid8) as waiting`,
      );
      if (result.rows[0]?.waiting) {
        waiting = true;
        break;
      }
    }
    if (!waiting) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A grown tree as audit.trees_to_checkpoint gives it. */
export type GrownTree = {
  chain: string;
  tree_size: string;
  root_hash: Buffer | null;
  problem: string | null;
};

/** The grown trees of every shard, each listed on its node (audit.shard_trees_to_checkpoint). */
export async function shardTreesToCheckpoint(db: Db, shards: readonly string[]): Promise<GrownTree[]> {
  const trees: GrownTree[] = [];
  for (const shard of shards) {
    const result = await db.execute<{
      grown: { chain: string; tree_size: number; root_hash?: string; problem?: string }[];
    }>(sql`select audit.shard_trees_to_checkpoint(${shard}) as grown`);
    for (const tree of result.rows[0]?.grown ?? []) {
      trees.push({
        chain: tree.chain,
        tree_size: String(tree.tree_size),
        root_hash: tree.root_hash === undefined ? null : Buffer.from(tree.root_hash, 'base64'),
        problem: tree.problem ?? null,
      });
    }
  }
  return trees;
}
