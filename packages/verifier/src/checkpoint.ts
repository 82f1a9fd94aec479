/**
 * The body of a C2SP tlog-checkpoint (https://c2sp.org/tlog-checkpoint):
 * origin, tree size and root hash, one per line, then optional extension lines.
 */
import { fromBase64 } from './bytes.ts';
import { hashSize } from './merkle-hasher.ts';
import { NoteFormatError } from './signed-note.ts';

/** A checkpoint's content, once its text has been parsed. */
export interface Checkpoint {
  origin: string;
  treeSize: number;
  rootHash: Uint8Array;
  /** The root hash as it appears in the text (standard base64). */
  rootHashBase64: string;
  /** Extension lines, opaque (Skillhub writes none). */
  extensions: string[];
}

/**
 * A signed checkpoint as Skillhub hands it out, in a proof answer and in a
 * bundle's header alike: the signed note's text, what it says, and the key
 * it names.
 */
export interface CheckpointView {
  origin: string;
  tree_size: number;
  root_hash: string;
  checkpoint: string;
  key_id: string;
  key_name: string;
}

const decimal = /^(0|[1-9][0-9]*)$/;

/** Reads a checkpoint's text (the signed part of the note); throws {@link NoteFormatError} if malformed. */
export function parseCheckpointText(text: string): Checkpoint {
  if (!text.endsWith('\n')) throw new NoteFormatError('the checkpoint does not end with a newline');
  const lines = text.slice(0, -1).split('\n');
  const [origin, size, root, ...extensions] = lines;
  if (origin === undefined || size === undefined || root === undefined) {
    throw new NoteFormatError('a checkpoint needs an origin, a tree size and a root hash');
  }
  if (origin === '') throw new NoteFormatError('the checkpoint origin is empty');
  if (!decimal.test(size)) throw new NoteFormatError('the checkpoint tree size is not a decimal number');
  const treeSize = Number(size);
  if (!Number.isSafeInteger(treeSize)) throw new NoteFormatError('the checkpoint tree size is too large');
  const rootHash = fromBase64(root);
  if (!rootHash || rootHash.length !== hashSize)
    throw new NoteFormatError('the checkpoint root is not a base64 SHA-256 hash');
  if (extensions.some((line) => line === '')) throw new NoteFormatError('the checkpoint has an empty extension line');
  return { origin, treeSize, rootHash, rootHashBase64: root, extensions };
}

/** The checkpoint text for `origin`, `treeSize` and a base64 `rootHash`, as the server signs it. */
export function formatCheckpointText(origin: string, treeSize: number, rootHashBase64: string): string {
  return `${origin}\n${treeSize}\n${rootHashBase64}\n`;
}
