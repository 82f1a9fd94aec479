/**
 * Two signed checkpoints of one log and the consistency proof between them:
 * either the newer tree extends the older one, or the log forked.
 */

import type { Problem } from './bundle/problems.ts';
import { toBase64 } from './bytes.ts';
import type { Checkpoint } from './checkpoint.ts';
import type { MerkleHasher } from './merkle-hasher.ts';
import { verifyConsistency } from './merkle-proofs.ts';
import type { VerifierKey } from './verifier-key.ts';
import { verifyCheckpoint } from './verify-checkpoint.ts';

/** What {@link checkConsistency} compares. */
export interface ConsistencyInput {
  /** The older signed checkpoint (the note text). */
  older: string;
  /** The newer signed checkpoint. */
  newer: string;
  /** The proof hashes, decoded. */
  proof: readonly Uint8Array[];
  /** The sizes the proof says it is between (`from`, `to` of the API's answer), when known. */
  proofSizes?: { from: number; to: number };
  keys: readonly VerifierKey[];
  hasher: MerkleHasher;
}

/** A checkpoint as reported: origin, size, root. */
export interface CheckpointSummary {
  origin: string;
  treeSize: number;
  rootHash: string;
}

/** The outcome: `ok` when both checkpoints verify, are of one log, and the newer extends the older. */
export interface ConsistencyReport {
  ok: boolean;
  older?: CheckpointSummary;
  newer?: CheckpointSummary;
  problems: Problem[];
}

/**
 * Verifies both checkpoints with the keys, then the consistency proof from
 * the smaller tree to the larger (the order the files were given in does
 * not matter). Two checkpoints of the same size with different roots, or a
 * proof that fails, are a `fork`.
 */
export async function checkConsistency(input: ConsistencyInput): Promise<ConsistencyReport> {
  const problems: Problem[] = [];
  const older = await trusted(input.older, 'older', input.keys, problems);
  const newer = await trusted(input.newer, 'newer', input.keys, problems);
  if (!older || !newer) return { ok: false, problems };
  const summary = (c: Checkpoint): CheckpointSummary => ({
    origin: c.origin,
    treeSize: c.treeSize,
    rootHash: toBase64(c.rootHash),
  });
  const report = (extra: Problem[]): ConsistencyReport => ({
    ok: extra.length === 0,
    older: summary(older),
    newer: summary(newer),
    problems: extra,
  });
  if (older.origin !== newer.origin) {
    return report([
      { kind: 'wrong-origin', message: `the checkpoints are of two logs: ${older.origin} and ${newer.origin}` },
    ]);
  }
  const [small, large] = older.treeSize <= newer.treeSize ? [older, newer] : [newer, older];
  if (input.proofSizes && (input.proofSizes.from !== small.treeSize || input.proofSizes.to !== large.treeSize)) {
    return report([
      {
        kind: 'malformed',
        message: `the proof is from size ${input.proofSizes.from} to ${input.proofSizes.to}, the checkpoints are of sizes ${small.treeSize} and ${large.treeSize}`,
      },
    ]);
  }
  const result = await verifyConsistency(
    input.hasher,
    small.treeSize,
    large.treeSize,
    input.proof,
    small.rootHash,
    large.rootHash,
  );
  if (result.ok) return report([]);
  return report([
    {
      kind: 'fork',
      message: `the tree of ${large.treeSize} leaves does not extend the tree of ${small.treeSize} leaves: ${result.reason}`,
    },
  ]);
}

async function trusted(
  note: string,
  which: string,
  keys: readonly VerifierKey[],
  problems: Problem[],
): Promise<Checkpoint | undefined> {
  const failures: Problem[] = [];
  for (const key of keys) {
    const verdict = await verifyCheckpoint(note, key);
    if (verdict.ok) return verdict.checkpoint;
    const kind =
      verdict.kind === 'forged' ? 'checkpoint-forged' : verdict.kind === 'unknown-key' ? 'unknown-key' : 'malformed';
    failures.push({ kind, message: `the ${which} checkpoint: ${verdict.message}` });
  }
  problems.push(
    failures.find((p) => p.kind !== 'unknown-key') ??
      failures[0] ?? { kind: 'unknown-key', message: `the ${which} checkpoint: no key was given` },
  );
  return undefined;
}
