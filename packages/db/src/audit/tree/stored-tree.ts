import { sql } from 'drizzle-orm';
import { DbError } from '../../errors.ts';
import type { ChainQuery } from '../verify-chain.ts';
import { emptyRoot, type LeafRange, nodeHash, splitPoint } from './rfc9162.ts';

/** Levels whose complete subtrees are stored (leaves at 0, then every 4th: tiles 16 wide). */
export const tileHeight = 4;
const tileWidth = 2 ** tileHeight;

const key = (level: number, index: number) => `${level}:${index}`;

/**
 * One chain's Merkle tree as migration 0030 stores it, read through
 * `query` (under a tenant's row policy, its own chain only). Hashes any
 * range a proof needs from stored nodes: a complete subtree whose height is
 * a multiple of 4 is read, any other from at most 16 stored hashes below it,
 * so no history is rehashed. Stored and computed hashes are kept, so proofs
 * for many leaves (a bundle) read each tile once.
 */
export class StoredTree {
  readonly #query: ChainQuery;
  readonly #chain: string;
  /** How many 16-wide tiles to read at once when one is missing (1 for a single proof, more for a bundle). */
  readonly #span: number;
  readonly #hashes = new Map<string, Buffer>();

  constructor(query: ChainQuery, chain: string, options: { tilesPerRead?: number } = {}) {
    this.#query = query;
    this.#chain = chain;
    this.#span = options.tilesPerRead ?? 1;
  }

  /** The Merkle tree hash (RFC 9162 MTH) of each range, in order. */
  async hashRanges(ranges: readonly LeafRange[]): Promise<Buffer[]> {
    const missing = new Map<string, [number, number]>();
    for (const range of ranges) this.#collect(range[0], range[1], missing);
    if (missing.size > 0) await this.#read([...missing.values()]);
    return ranges.map(([start, end]) => this.#range(start, end));
  }

  /** The root of the tree of `size` leaves. */
  async root(size: number): Promise<Buffer> {
    if (size === 0) return emptyRoot();
    const [root] = await this.hashRanges([[0, size]]);
    return root as Buffer;
  }

  /** Drops what is kept (bounded memory over a long bundle). */
  forget(): void {
    this.#hashes.clear();
  }

  // The complete subtrees a range splits into, as RFC 9162 splits it.
  #collect(start: number, end: number, missing: Map<string, [number, number]>): void {
    const size = end - start;
    if (this.#hashes.has(`${start}-${end}`)) return;
    if (isCompleteSubtree(start, size)) {
      const level = Math.log2(size);
      const stored = level - (level % tileHeight);
      if (stored === level) {
        if (!this.#hashes.has(key(level, start / size))) missing.set(key(level, start / size), [level, start / size]);
        return;
      }
      if (this.#hashes.has(key(level, start / size))) return;
      const width = 2 ** stored;
      for (let i = start / width; i < end / width; i++) {
        if (!this.#hashes.has(key(stored, i))) missing.set(key(stored, i), [stored, i]);
      }
      return;
    }
    const k = splitPoint(size);
    this.#collect(start, start + k, missing);
    this.#collect(start + k, end, missing);
  }

  #range(start: number, end: number): Buffer {
    const size = end - start;
    if (isCompleteSubtree(start, size)) return this.#subtree(Math.log2(size), start / size);
    // A right-edge range: the same few recur in every proof against one tree size.
    const edge = `${start}-${end}`;
    const known = this.#hashes.get(edge);
    if (known) return known;
    const k = splitPoint(size);
    const hash = nodeHash(this.#range(start, start + k), this.#range(start + k, end));
    this.#hashes.set(edge, hash);
    return hash;
  }

  #subtree(level: number, index: number): Buffer {
    const known = this.#hashes.get(key(level, index));
    if (known) return known;
    if (level % tileHeight === 0) {
      throw new DbError(
        'AUDIT_TREE_BROKEN',
        `the audit tree of ${this.#chain === '' ? 'the system chain' : `tenant ${this.#chain}`} lacks node ${level}/${index}: sealed history was removed`,
      );
    }
    const hash = nodeHash(this.#subtree(level - 1, index * 2), this.#subtree(level - 1, index * 2 + 1));
    this.#hashes.set(key(level, index), hash);
    return hash;
  }

  async #read(nodes: [number, number][]): Promise<void> {
    const windows = new Map<string, [number, number, number]>();
    const windowWidth = tileWidth * this.#span;
    for (const [level, index] of nodes) {
      const lo = Math.floor(index / windowWidth) * windowWidth;
      windows.set(key(level, lo), [level, lo, lo + windowWidth]);
    }
    const list = [...windows.values()];
    const rows = await this.#query<{ level: number; index: string; hash: Buffer }>(
      sql`select r.level, n.index, n.hash
          from unnest(${`{${list.map((w) => w[0]).join(',')}}`}::int[], ${`{${list.map((w) => w[1]).join(',')}}`}::bigint[],
                      ${`{${list.map((w) => w[2]).join(',')}}`}::bigint[]) r (level, lo, hi)
          cross join lateral audit.stored_nodes(${this.#chain}, r.level, r.lo, r.hi) n`,
    );
    for (const row of rows) this.#hashes.set(key(row.level, Number(row.index)), row.hash);
  }
}

// Not `size & (size - 1)`: bitwise operators cut numbers to 32 bits.
const isCompleteSubtree = (start: number, size: number) => Number.isInteger(Math.log2(size)) && start % size === 0;
