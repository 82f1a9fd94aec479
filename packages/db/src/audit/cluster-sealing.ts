import { sql } from 'drizzle-orm';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import type * as schema from '../schema/index.ts';
import type { SqlRunner } from '../sql-runner.ts';
import { ledgerDistributed } from './ledger-distributed.ts';

type Db = NodePgDatabase<typeof schema>;

/**
 * The ledger's shards on a converted Citus cluster, each named by a value that hashes into it
 * (packages/db/citus/sealing-per-shard.sql); null on one server, where audit.seal_pending seals
 * every chain at once.
 */
export async function ledgerShards(db: Db): Promise<string[] | null> {
  const run: SqlRunner = async <R extends Record<string, unknown>>(text: string) =>
    (await db.execute(sql.raw(text))) as unknown as { rows: R[] };
  if (!(await ledgerDistributed(db, run))) return null;
  const { rows } = await db.execute<{ representative: string }>(
    sql`select representative from audit.shard_representatives order by shard`,
  );
  return rows.map((row) => row.representative);
}

/** One batch of a shard sealed on its node (Citus delegates a call made outside a transaction block by its argument). */
export async function sealShardBatch(db: Db, shard: string, batchSize: number): Promise<number> {
  const result = await db.execute<{ sealed: number }>(sql`select audit.seal_shard(${shard}, ${batchSize}) as sealed`);
  return Number(result.rows[0]?.sealed ?? 0);
}

/**
 * Each shard's node's next transaction id: each node's ids order only its own events, so what is committed
 * before now is, per shard, what lies below its own node's next id.
 */
export async function shardNextIds(db: Db, shards: readonly string[]): Promise<[string, string][]> {
  const targets: [string, string][] = [];
  for (const shard of shards) {
    // No cast around the call: Citus delegates only a call that is the target list's expression itself.
    const result = await db.execute<{ xmax: string }>(sql`select audit.shard_xmax(${shard}) as xmax`);
    targets.push([shard, result.rows[0]?.xmax ?? '0']);
  }
  return targets;
}

/** Whether any shard holds an event stamped on its node below its target that is neither sealed nor refused. */
export async function shardsUnsealedBelow(db: Db, targets: readonly [string, string][]): Promise<boolean> {
  for (const [shard, xmax] of targets) {
    const result = await db.execute<{ waiting: boolean }>(
      sql`select audit.shard_unsealed_below(${shard}, ${xmax}::xid8) as waiting`,
    );
    if (result.rows[0]?.waiting) return true;
  }
  return false;
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
