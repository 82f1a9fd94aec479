/**
 * Verification of RFC 9162 inclusion proofs (§2.1.3.2) and consistency
 * proofs (§2.1.4.2), written step by step from the RFC's text so each line
 * can be checked against it. Tree sizes and indexes are JavaScript numbers,
 * exact up to 2^53 − 1; larger values are refused, never rounded.
 */
import { bytesEqual, toBase64 } from './bytes.ts';
import { emptyRoot, hashSize, type MerkleHasher } from './merkle-hasher.ts';

/** The outcome of a proof check; `reason` says in one sentence what did not hold. */
export type ProofResult = { ok: true } | { ok: false; reason: string };

const fail = (reason: string): ProofResult => ({ ok: false, reason });
const isCount = (value: number) => Number.isSafeInteger(value) && value >= 0;
const isHash = (value: Uint8Array) => value instanceof Uint8Array && value.length === hashSize;
const lsb = (value: number) => value % 2 === 1;
const half = (value: number) => Math.floor(value / 2);

/**
 * The root hash an inclusion proof leads to (RFC 9162 §2.1.3.2 steps 1-4),
 * with the final `sn == 0` condition of step 5; `undefined` when the proof
 * cannot belong to a tree of `treeSize` leaves.
 */
export async function rootFromInclusionProof(
  hasher: MerkleHasher,
  leafIndex: number,
  treeSize: number,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
): Promise<Uint8Array | undefined> {
  if (!isCount(leafIndex) || !isCount(treeSize) || leafIndex >= treeSize) return undefined;
  if (!isHash(leafHash) || !proof.every(isHash)) return undefined;
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r = leafHash;
  for (const p of proof) {
    if (sn === 0) return undefined;
    if (lsb(fn) || fn === sn) {
      r = await hasher.hashChildren(p, r);
      if (!lsb(fn)) {
        while (!lsb(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      r = await hasher.hashChildren(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 ? r : undefined;
}

/**
 * Checks that `leafHash` is leaf `leafIndex` of the tree of `treeSize`
 * leaves whose root is `root`, given its audit path (RFC 9162 §2.1.3.2).
 *
 * @example
 * const result = await verifyInclusion(nodeHasher, 3, 8, leafHash, proof, root);
 * if (!result.ok) console.error(result.reason);
 */
export async function verifyInclusion(
  hasher: MerkleHasher,
  leafIndex: number,
  treeSize: number,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): Promise<ProofResult> {
  if (!isCount(leafIndex) || !isCount(treeSize)) return fail('the leaf index and tree size must be whole numbers');
  if (leafIndex >= treeSize) return fail(`leaf index ${leafIndex} is not below the tree size ${treeSize}`);
  if (!isHash(root) || !isHash(leafHash) || !proof.every(isHash)) return fail('every hash must be 32 bytes');
  const computed = await rootFromInclusionProof(hasher, leafIndex, treeSize, leafHash, proof);
  if (computed === undefined)
    return fail(`a proof of ${proof.length} hashes does not fit a tree of ${treeSize} leaves`);
  if (!bytesEqual(computed, root)) {
    return fail(`the proof leads to root ${toBase64(computed)}, not ${toBase64(root)}`);
  }
  return { ok: true };
}

/**
 * Checks that the tree of `secondSize` leaves with root `secondRoot` extends
 * the tree of `firstSize` leaves with root `firstRoot` (RFC 9162 §2.1.4.2):
 * a failure between two checkpoints of one log means the log forked.
 *
 * Equal sizes need an empty proof and equal roots; an empty first tree is a
 * prefix of every tree, with an empty proof.
 */
export async function verifyConsistency(
  hasher: MerkleHasher,
  firstSize: number,
  secondSize: number,
  proof: readonly Uint8Array[],
  firstRoot: Uint8Array,
  secondRoot: Uint8Array,
): Promise<ProofResult> {
  if (!isCount(firstSize) || !isCount(secondSize)) return fail('tree sizes must be whole numbers');
  if (!isHash(firstRoot) || !isHash(secondRoot) || !proof.every(isHash)) return fail('every hash must be 32 bytes');
  if (firstSize > secondSize) return fail(`the first tree (${firstSize}) is larger than the second (${secondSize})`);
  if (firstSize === 0) {
    if (!bytesEqual(firstRoot, emptyRoot)) return fail('a tree of size 0 must have the empty root');
    return proof.length === 0 ? { ok: true } : fail('a proof from the empty tree must be empty');
  }
  if (firstSize === secondSize) {
    if (proof.length !== 0) return fail('a proof between trees of equal size must be empty');
    return bytesEqual(firstRoot, secondRoot)
      ? { ok: true }
      : fail(`two different roots for the same tree size ${firstSize}`);
  }
  // Step 1.
  if (proof.length === 0) return fail('the consistency proof is empty');
  // Step 2: a first tree that is a complete subtree is itself the proof's first node.
  const path = isPowerOfTwo(firstSize) ? [firstRoot, ...proof] : [...proof];
  // Step 3.
  let fn = firstSize - 1;
  let sn = secondSize - 1;
  // Step 4.
  while (lsb(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  // Step 5.
  let fr = path[0] as Uint8Array;
  let sr = fr;
  // Step 6.
  for (const c of path.slice(1)) {
    if (sn === 0) return fail(`a proof of ${proof.length} hashes is too long for sizes ${firstSize} and ${secondSize}`);
    if (lsb(fn) || fn === sn) {
      fr = await hasher.hashChildren(c, fr);
      sr = await hasher.hashChildren(c, sr);
      if (!lsb(fn)) {
        while (!lsb(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      sr = await hasher.hashChildren(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  // Step 7.
  if (sn !== 0) return fail(`a proof of ${proof.length} hashes is too short for sizes ${firstSize} and ${secondSize}`);
  if (!bytesEqual(fr, firstRoot)) return fail(`the proof does not lead to the first root (size ${firstSize})`);
  if (!bytesEqual(sr, secondRoot)) return fail(`the proof does not lead to the second root (size ${secondSize})`);
  return { ok: true };
}

function isPowerOfTwo(value: number): boolean {
  let v = value;
  while (v > 1 && v % 2 === 0) v /= 2;
  return v === 1;
}
