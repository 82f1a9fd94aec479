/**
 * Checks a signed checkpoint against one trusted verifier key, as the
 * signed-note specification asks: signatures by other keys are ignored; a
 * signature by the trusted key must verify; at least one must exist.
 */
import { utf8 } from './bytes.ts';
import { type Checkpoint, parseCheckpointText } from './checkpoint.ts';
import { verifyEd25519 } from './ed25519.ts';
import { NoteFormatError, parseSignedNote } from './signed-note.ts';
import type { VerifierKey } from './verifier-key.ts';

/** How a checkpoint can fail: unreadable, not signed by the trusted key, or signed with a signature that does not verify. */
export type CheckpointFailure = 'malformed' | 'unknown-key' | 'forged';

/** The outcome of {@link verifyCheckpoint}. */
export type CheckpointVerdict =
  | { ok: true; checkpoint: Checkpoint; text: string }
  | { ok: false; kind: CheckpointFailure; message: string };

/**
 * Verifies the signed checkpoint `note` with `key`.
 *
 * - `malformed`: not a signed note, or its text is not a checkpoint;
 * - `unknown-key`: no signature line carries the key's name and id
 *   (signed by someone else, or by a key not given);
 * - `forged`: a line claims the key but its signature does not verify
 *   (the text or the signature was changed).
 *
 * The checkpoint's content is returned only when the signature holds.
 */
export async function verifyCheckpoint(note: string, key: VerifierKey): Promise<CheckpointVerdict> {
  let text: string;
  let checkpoint: Checkpoint;
  let claimed: Uint8Array[];
  try {
    const parsed = parseSignedNote(note);
    text = parsed.text;
    claimed = parsed.signatures
      .filter((s) => s.keyName === key.keyName && s.keyId === key.keyId)
      .map((s) => s.signature);
    checkpoint = parseCheckpointText(text);
  } catch (error: unknown) {
    if (error instanceof NoteFormatError) return { ok: false, kind: 'malformed', message: error.message };
    throw error;
  }
  if (claimed.length === 0) {
    return {
      ok: false,
      kind: 'unknown-key',
      message: `the checkpoint carries no signature by ${key.keyName}+${key.keyId}`,
    };
  }
  const message = utf8(text);
  for (const signature of claimed) {
    if (!(await verifyEd25519(key.publicKey, signature, message))) {
      return {
        ok: false,
        kind: 'forged',
        message: `the signature by ${key.keyName}+${key.keyId} does not match the checkpoint text`,
      };
    }
  }
  return { ok: true, checkpoint, text };
}
