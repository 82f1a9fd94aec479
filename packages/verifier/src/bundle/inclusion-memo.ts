/**
 * Inclusion proofs of many leaves of one tree, checked in order with the
 * work they share done once. Consecutive leaves share most of their audit
 * path: once a leaf's path reaches a node that the previous accepted proof
 * also reached, with the same hash there and the same remaining path, the
 * rest of the climb is the one already checked against the root. A bundle
 * of n events then costs about 2n hashes instead of n·log2(n), and memory
 * stays one path long.
 *
 * Sound because a node is identified by its level and index, which fix the
 * remaining steps of RFC 9162 §2.1.3.2 for a given tree size: equal node,
 * equal hash, equal remaining proof hashes mean an equal computed root.
 */
import { bytesEqual, fromBase64 } from '../bytes.ts';
import { hashSize, type MerkleHasher } from '../merkle-hasher.ts';

interface Step {
  level: number;
  index: number;
  hash: Uint8Array;
}

/** Checks inclusion proofs, given as base64 strings, against one root and tree size. */
export class InclusionMemo {
  private previousSteps: Step[] = [];
  private previousProof: readonly string[] = [];

  constructor(
    private readonly hasher: MerkleHasher,
    private readonly treeSize: number,
    private readonly root: Uint8Array,
  ) {}

  /**
   * Whether `leafHash` at `leafIndex` with audit path `proof` leads to the
   * root. Any malformed element (not canonical base64 of 32 bytes) is a
   * failure, not an exception.
   */
  async verify(leafIndex: number, leafHash: Uint8Array, proof: readonly string[]): Promise<boolean> {
    if (!Number.isSafeInteger(leafIndex) || leafIndex < 0 || leafIndex >= this.treeSize) return false;
    const steps: Step[] = [];
    let fn = leafIndex;
    let sn = this.treeSize - 1;
    let level = 0;
    let r = leafHash;
    for (let j = 0; j < proof.length; j++) {
      if (sn === 0) return this.reject();
      const p = fromBase64(proof[j] as string);
      if (!p || p.length !== hashSize) return this.reject();
      if (fn % 2 === 1 || fn === sn) {
        const hash = this.hasher.hashChildren(p, r);
        // Awaiting a synchronous hasher's value would still cost a microtask per hash.
        r = hash instanceof Uint8Array ? hash : await hash;
        while (fn % 2 === 0 && fn !== 0) {
          fn /= 2;
          sn = Math.floor(sn / 2);
          level++;
        }
      } else {
        const hash = this.hasher.hashChildren(r, p);
        r = hash instanceof Uint8Array ? hash : await hash;
      }
      fn = Math.floor(fn / 2);
      sn = Math.floor(sn / 2);
      level++;
      steps.push({ level, index: fn, hash: r });
      if (this.sharesRestWithPrevious(j, steps[j] as Step, proof)) {
        this.remember(steps, proof);
        return true;
      }
    }
    if (sn !== 0 || !bytesEqual(r, this.root)) return this.reject();
    this.remember(steps, proof);
    return true;
  }

  private sharesRestWithPrevious(j: number, step: Step, proof: readonly string[]): boolean {
    const before = this.previousSteps[j];
    if (!before || before.level !== step.level || before.index !== step.index) return false;
    if (proof.length !== this.previousProof.length || !bytesEqual(before.hash, step.hash)) return false;
    for (let k = j + 1; k < proof.length; k++) if (proof[k] !== this.previousProof[k]) return false;
    return true;
  }

  private remember(steps: Step[], proof: readonly string[]): void {
    // A shortcut leaves `steps` shorter than the proof: the previous path's upper steps are the same nodes.
    this.previousSteps =
      steps.length < this.previousSteps.length ? [...steps, ...this.previousSteps.slice(steps.length)] : steps;
    this.previousProof = proof;
  }

  private reject(): false {
    return false;
  }
}
