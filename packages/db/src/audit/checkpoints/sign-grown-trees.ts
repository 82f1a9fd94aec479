import { sql } from 'drizzle-orm';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import { DbError } from '../../errors.ts';
import type * as schema from '../../schema/index.ts';
import { type GrownTree, ledgerShards, shardTreesToCheckpoint } from '../cluster-sealing.ts';
import { type CheckpointSigningKey, signCheckpoint } from './signed-note.ts';

/** What the server signs checkpoints with. */
export interface CheckpointSigner {
  /** The deployment name: origins are `<deployment>/audit/<tenant id>` and `<deployment>/audit/system`. */
  deployment: string;
  key: CheckpointSigningKey;
}

/** The origin line of a chain's checkpoints. */
export const checkpointOrigin = (deployment: string, chain: string): string =>
  `${deployment}/audit/${chain === '' ? 'system' : chain}`;

/**
 * Signs a checkpoint for every tree that grew since its last one (listed on
 * each shard's node on a converted Citus cluster) and
 * records it through audit.record_checkpoint, which checks the note's size
 * and root against the stored tree (and the previous checkpoint against
 * the tree as it stands). A chain whose tree fails that check is reported
 * to `onError` and left unsigned; the others are signed. Returns how many
 * checkpoints were written.
 */
export async function signGrownTrees(
  db: NodePgDatabase<typeof schema>,
  signer: CheckpointSigner,
  onError?: (error: unknown, chain: string) => void,
): Promise<number> {
  const shards = await ledgerShards(db);
  const grown = shards
    ? await shardTreesToCheckpoint(db, shards)
    : (await db.execute<GrownTree>(sql`select chain, tree_size, root_hash, problem from audit.trees_to_checkpoint()`))
        .rows;
  let written = 0;
  for (const tree of grown) {
    const size = Number(tree.tree_size);
    if (!tree.root_hash) {
      onError?.(new DbError('AUDIT_TREE_BROKEN', tree.problem ?? 'the tree has no root'), tree.chain);
      continue;
    }
    const note = signCheckpoint(signer.key, checkpointOrigin(signer.deployment, tree.chain), size, tree.root_hash);
    try {
      await db.execute(
        sql`select audit.record_checkpoint(${tree.chain}, ${size}, ${signer.key.id.toString('hex')}, ${note})`,
      );
      written += 1;
    } catch (error) {
      onError?.(error, tree.chain);
    }
  }
  return written;
}
