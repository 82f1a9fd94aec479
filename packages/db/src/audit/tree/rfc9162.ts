import { createHash, hash } from 'node:crypto';

/**
 * RFC 9162 §2.1 hashing and the shape of its proofs, as half-open leaf
 * ranges [start, end) whose Merkle tree hashes make up the proof. Which
 * hashes a range needs, and where they come from, is stored-tree.ts's job.
 */

/** A half-open range of leaf indexes, [start, end). */
export type LeafRange = readonly [start: number, end: number];

const leafPrefix = Buffer.from([0]);
const nodePrefix = Buffer.from([1]);

/** SHA-256(0x00 ‖ leaf input). */
export const leafHash = (input: Uint8Array): Buffer => createHash('sha256').update(leafPrefix).update(input).digest();

/** A reused buffer for leafHashOf: the prefix and the input, hashed in one call. */
let scratch = Buffer.allocUnsafe(1 << 16);

/** SHA-256(0x00 ‖ input) like leafHash, in one call instead of a Hash object per leaf (verification's hot path). */
export function leafHashOf(input: Uint8Array): Buffer {
  if (input.length + 1 > scratch.length) scratch = Buffer.allocUnsafe(2 * (input.length + 1));
  scratch[0] = 0;
  scratch.set(input, 1);
  return hash('sha256', scratch.subarray(0, input.length + 1), 'buffer');
}

/** SHA-256(0x01 ‖ left ‖ right); two 32-byte hashes in one call, without a Hash object (verification hashes one per leaf). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  if (left.length !== 32 || right.length !== 32) {
    return createHash('sha256').update(nodePrefix).update(left).update(right).digest();
  }
  const input = Buffer.allocUnsafe(65);
  input[0] = 0x01;
  input.set(left, 1);
  input.set(right, 33);
  return hash('sha256', input, 'buffer');
}

/** The root of the empty tree, SHA-256 of nothing. */
export const emptyRoot = (): Buffer => createHash('sha256').digest();

/** The largest power of two smaller than n (n ≥ 2): where RFC 9162 splits a tree of n leaves. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * The ranges whose hashes form the inclusion proof of leaf `index` in the
 * tree of `size` leaves (RFC 9162 §2.1.3.1), from the leaf upward.
 */
export function inclusionRanges(index: number, size: number): LeafRange[] {
  if (!(index >= 0 && index < size)) throw new RangeError(`leaf ${index} is not in a tree of ${size}`);
  const path: LeafRange[] = [];
  let start = 0;
  let end = size;
  const upward: LeafRange[] = [];
  while (end - start > 1) {
    const k = splitPoint(end - start);
    if (index < start + k) {
      upward.push([start + k, end]);
      end = start + k;
    } else {
      upward.push([start, start + k]);
      start += k;
    }
  }
  // Found from the root down; the proof lists them from the leaf up.
  for (let i = upward.length - 1; i >= 0; i--) path.push(upward[i] as LeafRange);
  return path;
}

/**
 * The ranges whose hashes form the consistency proof between the trees of
 * `from` and `to` leaves (RFC 9162 §2.1.4.1, SUBPROOF(m, D[n], true)), in
 * the RFC's order. Empty when from = to; 0 < from ≤ to.
 */
export function consistencyRanges(from: number, to: number): LeafRange[] {
  if (!(from > 0 && from <= to)) throw new RangeError(`no consistency proof from ${from} to ${to}`);
  const down: LeafRange[] = [];
  let m = from;
  let start = 0;
  let end = to;
  let whole = true;
  while (m !== end - start) {
    const k = splitPoint(end - start);
    if (m <= k) {
      down.push([start + k, end]);
      end = start + k;
    } else {
      down.push([start, start + k]);
      m -= k;
      start += k;
      whole = false;
    }
  }
  // SUBPROOF(m, D[m], b): nothing when b is still true, else the subtree itself.
  if (!whole) down.push([start, end]);
  return down.reverse();
}
