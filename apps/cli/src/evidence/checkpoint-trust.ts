/** A checkpoint whose signature checked out: which tree, how big, its root. */
export interface TrustedCheckpoint {
  origin: string;
  treeSize: number;
  rootHash: Buffer;
}

/** Checks a signed note; resolves the checkpoint, or why it is not trusted. */
export type CheckpointCheck = (note: string) => Promise<TrustedCheckpoint | string>;

/**
 * A checker that trusts a checkpoint signed by any of these verifier keys
 * (the server's current and retired ones), and nothing else: the
 * document's own claims about its key are never believed.
 */
export async function checkpointChecker(vkeys: readonly string[]): Promise<CheckpointCheck> {
  const verify = await import('@skillhub/verify');
  const keys = await Promise.all(vkeys.map((k) => verify.parseVerifierKey(k)));
  return async (note) => {
    let reason = 'no key of this server signed it';
    for (const key of keys) {
      const verdict = await verify.verifyCheckpoint(note, key);
      if (verdict.ok) {
        const { origin, treeSize, rootHash } = verdict.checkpoint;
        return { origin, treeSize, rootHash: Buffer.from(rootHash) };
      }
      if (verdict.kind !== 'unknown-key') reason = `${verdict.kind}: ${verdict.message}`;
    }
    return reason;
  };
}

/** The signed note in a saved checkpoint file: `audit checkpoint`'s JSON, or the bare note. */
export function savedCheckpointNote(text: string, fileName: string): string {
  let note: unknown = text;
  try {
    note = (JSON.parse(text) as { checkpoint?: unknown }).checkpoint;
  } catch {
    // Not JSON: the bare signed note.
  }
  if (typeof note !== 'string') throw new Error(`${fileName} holds no signed checkpoint`);
  return note;
}
