/**
 * The root of a tree from all of its leaves, in one pass and O(log n)
 * memory: a stack of complete subtrees (a compact range) that merges equal
 * sizes as leaves arrive, then folds right to left, which is the RFC 9162
 * §2.1.1 split at the largest power of two below n.
 */
import { emptyRoot, type MerkleHasher } from './merkle-hasher.ts';

/** Accumulates leaf hashes in order; `root()` gives the tree head so far. */
export class RootBuilder {
  private readonly hashes: Uint8Array[] = [];
  private readonly sizes: number[] = [];
  private count = 0;

  constructor(private readonly hasher: MerkleHasher) {}

  /** Leaves appended so far. */
  get size(): number {
    return this.count;
  }

  /** Appends the next leaf hash (not the leaf input). */
  async append(leafHash: Uint8Array): Promise<void> {
    let hash = leafHash;
    let size = 1;
    while (this.sizes.length > 0 && this.sizes[this.sizes.length - 1] === size) {
      this.sizes.pop();
      hash = await this.hasher.hashChildren(this.hashes.pop() as Uint8Array, hash);
      size *= 2;
    }
    this.hashes.push(hash);
    this.sizes.push(size);
    this.count++;
  }

  /** The root of the leaves appended so far (the empty root for none). */
  async root(): Promise<Uint8Array> {
    let root = this.hashes[this.hashes.length - 1];
    if (root === undefined) return emptyRoot;
    for (let i = this.hashes.length - 2; i >= 0; i--)
      root = await this.hasher.hashChildren(this.hashes[i] as Uint8Array, root);
    return root;
  }
}

/** The root of the tree over `leafHashes`, in order. */
export async function computeRoot(
  hasher: MerkleHasher,
  leafHashes: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
): Promise<Uint8Array> {
  const builder = new RootBuilder(hasher);
  for await (const leafHash of leafHashes) await builder.append(leafHash);
  return builder.root();
}
