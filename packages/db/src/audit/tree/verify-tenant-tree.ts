import { hash } from 'node:crypto';
import { type SQL, sql } from 'drizzle-orm';
import { requireScope } from '../../identity/current-tx.ts';
import type { CheckpointKey } from '../checkpoints/signed-note.ts';
import { sealedEvents } from '../ledger-stream/sealed-events.ts';
import { parseRetentionNote } from '../retention/retention-note.ts';
import { trustedRetentionRanges } from '../retention/trusted-retention-ranges.ts';
import type { ChainQuery } from '../verify-chain.ts';
import { emptyRoot, nodeHash } from './rfc9162.ts';
import { StoredTree, tileHeight } from './stored-tree.ts';

/** A tree size and root someone holds (a saved checkpoint). */
export interface TreeHead {
  treeSize: number;
  rootHash: Buffer;
}

export type TreeBreakKind = 'rewritten' | 'modified' | 'missing' | 'inserted' | 'reordered' | 'forged';

export interface TreeVerdict {
  intact: boolean;
  /** Leaves hashed from their events. */
  checked: number;
  /** Leaves removed by policy, taken from their stored leaf hashes under a trusted retention record. */
  removed: number;
  break?: { kind: TreeBreakKind; leafIndex: number | null; eventId: string | null; detail: string };
}

/**
 * Checks the current tenant's tree from `from` (a head already trusted,
 * e.g. a saved checkpoint; size 0 for everything) to `to` (the latest
 * checkpoint): the stored subtrees under `from` must fold to its root, and
 * hashing only the events appended since, in Node, must extend them to
 * `to`'s root. Time and memory grow with the events added, not the history.
 * Inside `withTenant`.
 */
export async function verifyTenantTree(
  from: TreeHead,
  to: TreeHead,
  onProgress?: (checked: number) => void,
  retentionKeys?: readonly CheckpointKey[],
): Promise<TreeVerdict> {
  const { tenantId, tx, connection } = requireScope('verifyTenantTree');
  const query: ChainQuery = async <R extends Record<string, unknown>>(statement: SQL) =>
    (await tx.execute(statement)).rows as R[];
  const verdict: TreeVerdict = { intact: true, checked: 0, removed: 0 };
  const fail = (kind: TreeBreakKind, leafIndex: number | null, eventId: string | null, detail: string) => {
    verdict.intact = false;
    verdict.break = { kind, leafIndex, eventId, detail };
    return verdict;
  };
  // The saved tree's complete subtrees, largest first: authenticated by folding to its root.
  const stack: { level: number; hash: Buffer }[] = [];
  let start = 0;
  const ranges: [number, number][] = [];
  for (let level = 52; level >= 0; level--) {
    const width = 2 ** level;
    if (Math.floor(from.treeSize / width) % 2 === 1) {
      ranges.push([start, start + width]);
      stack.push({ level, hash: Buffer.alloc(0) });
      start += width;
    }
  }
  if (ranges.length > 0) {
    const hashes = await new StoredTree(query, tenantId).hashRanges(ranges);
    hashes.forEach((hash, i) => {
      (stack[i] as { hash: Buffer }).hash = hash;
    });
  }
  if (!fold(stack).equals(from.rootHash)) {
    return fail('rewritten', null, null, `the tree no longer has the root of the checkpoint of size ${from.treeSize}`);
  }
  // Leaves removed by policy keep their stored hash; the checkpoint each record was made against
  // must still be what they fold to, so no stored leaf hash under a removal can be swapped.
  const trusted = await trustedRetentionRanges(query, tenantId, retentionKeys);
  if (!trusted.ok) return fail('forged', trusted.startLeaf, null, trusted.why);
  const removals = await removalCheckpoints(query, tenantId);
  const removedAt = (index: number) => trusted.ranges.find((r) => index >= r.startLeaf && index < r.endLeaf);
  let expected = from.treeSize;
  // Stored subtrees (levels 4, 8, …) that the appended leaves completed: compared with the stored nodes
  // once the stream has ended (the connection serves the COPY until then). About one per 15 leaves.
  const completedTiles: TreeNode[] = [];
  // Streamed through COPY, each leaf hashed here from the canonical text PostgreSQL prints.
  const client = await connection();
  for await (const seals of sealedEvents(client, { chain: tenantId, first: from.treeSize + 1, last: to.treeSize })) {
    for (const seal of seals) {
      const index = seal.position - 1;
      if (index !== expected) return fail('missing', expected, null, `leaves ${expected}..${index - 1} are gone`);
      const { event } = seal;
      const removed = removedAt(index);
      if (removed && event) {
        return fail(
          'forged',
          index,
          seal.sealedId,
          `event ${seal.sealedId} is still here, inside the range the ${removed.record} says left`,
        );
      }
      // A checkpoint a retention record was made against must still be what the leaves so far fold to.
      const pinnedBroken = () => {
        const pinned = removals.get(index + 1);
        return pinned !== undefined && !fold(stack).equals(pinned);
      };
      if (removed && seal.leafHash) {
        // A copy: the seal is a view into its batch, and the stack keeps the hash.
        push(stack, Buffer.from(seal.leafHash), index, completedTiles);
        expected += 1;
        verdict.removed += 1;
        if (pinnedBroken()) {
          return fail(
            'rewritten',
            index,
            seal.sealedId,
            `the leaves removed by the ${removed.record} no longer fold to its checkpoint`,
          );
        }
        continue;
      }
      if (!event) return fail('missing', index, seal.sealedId, `event ${seal.sealedId} was deleted`);
      if (!event.inChain || !hash('sha256', event.canonical, 'buffer').equals(seal.eventHash)) {
        return fail('modified', index, seal.sealedId, `event ${seal.sealedId} differs from what was sealed`);
      }
      const leaf = hash('sha256', event.leafInput, 'buffer');
      if (seal.leafHash === null || !leaf.equals(seal.leafHash)) {
        // The event is what its chain hash says (or the edit shows there), but the
        // tree stores another leaf: every proof through it is wrong.
        return fail('rewritten', index, seal.sealedId, `the stored leaf hash of event ${seal.sealedId} was rewritten`);
      }
      push(stack, leaf, index, completedTiles);
      expected += 1;
      verdict.checked += 1;
      if (pinnedBroken()) {
        return fail(
          'rewritten',
          index,
          seal.sealedId,
          `the tree no longer folds to the checkpoint of size ${index + 1} a retention record names`,
        );
      }
    }
    onProgress?.(verdict.checked);
  }
  for (let at = 0; at < completedTiles.length; at += 5000) {
    const rewritten = await firstRewrittenNode(query, tenantId, completedTiles.slice(at, at + 5000));
    if (rewritten) {
      const first = rewritten.index * 2 ** rewritten.level;
      return fail(
        'rewritten',
        first,
        null,
        `the stored node at level ${rewritten.level} index ${rewritten.index} (leaves ${first}..${first + 2 ** rewritten.level - 1}) is not what the events hash to`,
      );
    }
  }
  if (expected !== to.treeSize) {
    return fail(
      'missing',
      expected,
      null,
      `the tree ends at ${expected} leaves, short of the checkpoint's ${to.treeSize}`,
    );
  }
  if (!fold(stack).equals(to.rootHash)) {
    return fail(
      'rewritten',
      null,
      null,
      `the events appended since size ${from.treeSize} do not give the root of size ${to.treeSize}`,
    );
  }
  return verdict;
}

/** Tree size → root of the checkpoints the chain's retention records were made against, as their notes state. */
async function removalCheckpoints(query: ChainQuery, chain: string): Promise<Map<number, Buffer>> {
  const rows = await query<{ note: string }>(sql`select note from audit.retention_records where chain = ${chain}`);
  const pinned = new Map<number, Buffer>();
  for (const row of rows) {
    const note = parseRetentionNote(row.note);
    pinned.set(note.checkpointSize, note.checkpointRoot);
  }
  return pinned;
}

interface TreeNode {
  level: number;
  index: number;
  hash: Buffer;
}

/**
 * Appends leaf `leafIndex` to a stack of complete subtrees (sizes strictly
 * decreasing), merging equal ones; each merged subtree the tree stores
 * (level 4, 8, …) goes to `stored`, to be compared with the stored node.
 */
function push(stack: { level: number; hash: Buffer }[], leaf: Buffer, leafIndex: number, stored: TreeNode[]): void {
  let node = { level: 0, hash: leaf };
  for (let top = stack.at(-1); top && top.level === node.level; top = stack.at(-1)) {
    stack.pop();
    node = { level: node.level + 1, hash: nodeHash(top.hash, node.hash) };
    if (node.level % tileHeight === 0) {
      stored.push({ level: node.level, index: Math.floor(leafIndex / 2 ** node.level), hash: node.hash });
    }
  }
  stack.push(node);
}

/** The first of these computed subtrees whose stored node is missing or holds another hash. */
async function firstRewrittenNode(query: ChainQuery, chain: string, computed: TreeNode[]): Promise<TreeNode | null> {
  if (computed.length === 0) return null;
  const rows = await query<{ level: number; index: string; hash: Buffer }>(
    sql`select n.level, n.index, n.hash from audit.tree_nodes n
        join unnest(${`{${computed.map((c) => c.level).join(',')}}`}::int[],
                    ${`{${computed.map((c) => c.index).join(',')}}`}::bigint[]) w (level, index)
          on n.level = w.level and n.index = w.index
        where n.chain = ${chain}`,
  );
  const stored = new Map(rows.map((r) => [`${r.level}:${r.index}`, r.hash]));
  return computed.find((c) => !stored.get(`${c.level}:${c.index}`)?.equals(c.hash)) ?? null;
}

/** The root of the tree whose complete subtrees, left to right, are `stack` (RFC 9162 folds from the right). */
function fold(stack: { hash: Buffer }[]): Buffer {
  if (stack.length === 0) return emptyRoot();
  let root = (stack.at(-1) as { hash: Buffer }).hash;
  for (let i = stack.length - 2; i >= 0; i--) root = nodeHash((stack[i] as { hash: Buffer }).hash, root);
  return root;
}
