import type { SQL } from 'drizzle-orm';
import { requireScope } from '../../identity/current-tx.ts';
import { sealedEvents } from '../ledger-stream/sealed-events.ts';
import type { ChainQuery } from '../verify-chain.ts';
import { emptyRoot, leafHashOf, nodeHash } from './rfc9162.ts';
import { StoredTree } from './stored-tree.ts';

/** A tree size and root someone holds (a saved checkpoint). */
export interface TreeHead {
  treeSize: number;
  rootHash: Buffer;
}

export type TreeBreakKind = 'rewritten' | 'modified' | 'missing' | 'inserted' | 'reordered';

export interface TreeVerdict {
  intact: boolean;
  /** Leaves hashed from their events. */
  checked: number;
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
): Promise<TreeVerdict> {
  const { tenantId, tx, client } = requireScope('verifyTenantTree');
  const query: ChainQuery = async <R extends Record<string, unknown>>(statement: SQL) =>
    (await tx.execute(statement)).rows as R[];
  const verdict: TreeVerdict = { intact: true, checked: 0 };
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
  let expected = from.treeSize;
  // Streamed through COPY, each leaf hashed here from the canonical text built in Node.
  for await (const seals of sealedEvents(client, { chain: tenantId, first: from.treeSize + 1, last: to.treeSize })) {
    for (const seal of seals) {
      const index = seal.position - 1;
      if (index !== expected) return fail('missing', expected, null, `leaves ${expected}..${index - 1} are gone`);
      const { event, sealedId } = seal;
      if (!event) return fail('missing', index, sealedId, `event ${sealedId} was deleted`);
      const leaf = leafHashOf(event.canonical);
      if (!event.inChain || (seal.leafHash !== null && leaf.toString('hex') !== seal.leafHash)) {
        return fail('modified', index, sealedId, `event ${sealedId} differs from what was sealed`);
      }
      push(stack, leaf);
      expected += 1;
      verdict.checked += 1;
    }
    onProgress?.(verdict.checked);
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

/** Appends a leaf to a stack of complete subtrees (sizes strictly decreasing), merging equal ones. */
function push(stack: { level: number; hash: Buffer }[], leaf: Buffer): void {
  let node = { level: 0, hash: leaf };
  for (let top = stack.at(-1); top && top.level === node.level; top = stack.at(-1)) {
    stack.pop();
    node = { level: node.level + 1, hash: nodeHash(top.hash, node.hash) };
  }
  stack.push(node);
}

/** The root of the tree whose complete subtrees, left to right, are `stack` (RFC 9162 folds from the right). */
function fold(stack: { hash: Buffer }[]): Buffer {
  if (stack.length === 0) return emptyRoot();
  let root = (stack.at(-1) as { hash: Buffer }).hash;
  for (let i = stack.length - 2; i >= 0; i--) root = nodeHash((stack[i] as { hash: Buffer }).hash, root);
  return root;
}
