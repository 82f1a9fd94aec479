/**
 * Merkle trees built for the tests and the benchmark, independently of the
 * verifier's code: the recursive definitions of RFC 9162 §2.1.1 (MTH),
 * §2.1.3.1 (PATH) and §2.1.4.1 (PROOF, SUBPROOF) for small trees, and a
 * level-by-level tree (every node stored, an odd last node carried up) that
 * answers a million proofs quickly.
 */
import { createHash } from 'node:crypto';

/** SHA-256(0x00 ‖ input). */
export function leafHash(input: Uint8Array | string): Buffer {
  return createHash('sha256').update(Buffer.of(0)).update(input).digest();
}

/** SHA-256(0x01 ‖ left ‖ right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash('sha256').update(Buffer.of(1)).update(left).update(right).digest();
}

/** The largest power of two smaller than n (n > 1). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH(D[n]) over leaf hashes. */
export function mth(leaves: readonly Buffer[]): Buffer {
  if (leaves.length === 0) return createHash('sha256').digest();
  if (leaves.length === 1) return leaves[0] as Buffer;
  const k = split(leaves.length);
  return nodeHash(mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}

/** PATH(m, D[n]): the inclusion proof of leaf m. */
export function path(m: number, leaves: readonly Buffer[]): Buffer[] {
  if (leaves.length <= 1) return [];
  const k = split(leaves.length);
  if (m < k) return [...path(m, leaves.slice(0, k)), mth(leaves.slice(k))];
  return [...path(m - k, leaves.slice(k)), mth(leaves.slice(0, k))];
}

/** PROOF(m, D[n]): the consistency proof from the first m leaves to all of them. */
export function consistencyProof(m: number, leaves: readonly Buffer[]): Buffer[] {
  if (m === 0 || m === leaves.length) return [];
  return subproof(m, leaves, true);
}

function subproof(m: number, leaves: readonly Buffer[], whole: boolean): Buffer[] {
  const n = leaves.length;
  if (m === n) return whole ? [] : [mth(leaves)];
  const k = split(n);
  if (m <= k) return [...subproof(m, leaves.slice(0, k), whole), mth(leaves.slice(k))];
  return [...subproof(m - k, leaves.slice(k), false), mth(leaves.slice(0, k))];
}

/** A tree with every level stored (each level one flat buffer of 32-byte hashes): root and proofs in O(log n). */
export class LevelTree {
  private readonly levels: Buffer[];

  constructor(leafHashes: readonly Uint8Array[]) {
    const leaves = Buffer.alloc(leafHashes.length * 32);
    for (const [i, hash] of leafHashes.entries()) leaves.set(hash, i * 32);
    this.levels = [leaves];
    let level = leaves;
    while (level.length > 32) {
      const count = level.length / 32;
      const next = Buffer.alloc(Math.ceil(count / 2) * 32);
      for (let i = 0; i + 1 < count; i += 2) {
        next.set(nodeHash(level.subarray(i * 32, i * 32 + 32), level.subarray(i * 32 + 32, i * 32 + 64)), (i / 2) * 32);
      }
      // An unpaired last node moves up unchanged: the RFC's split puts it in the right subtree alone.
      if (count % 2 === 1) next.set(level.subarray((count - 1) * 32), ((count - 1) / 2) * 32);
      this.levels.push(next);
      level = next;
    }
  }

  get root(): Buffer {
    const top = this.levels[this.levels.length - 1] as Buffer;
    return top.length === 0 ? createHash('sha256').digest() : Buffer.from(top);
  }

  /** The audit path of leaf `index`, from the leaf upward. */
  proof(index: number): Buffer[] {
    const out: Buffer[] = [];
    let i = index;
    for (const level of this.levels.slice(0, -1)) {
      const sibling = i % 2 === 0 ? i + 1 : i - 1;
      if (sibling * 32 < level.length) out.push(level.subarray(sibling * 32, sibling * 32 + 32));
      i = Math.floor(i / 2);
    }
    return out;
  }
}
