/**
 * Parsing of C2SP signed notes (https://c2sp.org/signed-note): a text ending
 * in a newline, a blank line, then one or more lines
 * `— <key name> <base64(4-byte key id ‖ signature)>`.
 */
import { fromBase64, toHex } from './bytes.ts';

/** One signature line of a note. */
export interface NoteSignature {
  keyName: string;
  /** The 4-byte key id as 8 lower-case hex digits. */
  keyId: string;
  /** The signature bytes after the key id (64 for Ed25519). */
  signature: Uint8Array;
}

/** A note split into its signed text and its signature lines. */
export interface SignedNote {
  /** The signed text, including its final newline. */
  text: string;
  signatures: NoteSignature[];
}

/** Why a note could not be parsed. */
export class NoteFormatError extends Error {
  override readonly name = 'NoteFormatError';
}

/** More signature lines than any honest note of ours carries (the spec asks verifiers to accept at least 16). */
export const maxSignatures = 100;
/** Notes are a few hundred bytes; this bound keeps a hostile input from costing more than a read. */
export const maxNoteLength = 1 << 20;

const signatureLine = /^\u2014 (\S+) (\S+)$/u;
const unicodeSpaceOrPlus = /[\s+]/u;
// A JavaScript string that no UTF-8 byte string decodes to.
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Whether `text` holds an ASCII control character (below U+0020), other than the newline when `newline` is set. */
export function hasControlCharacter(text: string, allow: { newline: boolean } = { newline: false }): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 && !(allow.newline && code === 0x0a)) return true;
  }
  return false;
}

/**
 * Splits a signed note into text and signatures, checking the format the
 * specification requires. Throws {@link NoteFormatError} on anything else;
 * it does not check any signature (see `verifyCheckpoint`).
 */
export function parseSignedNote(note: string): SignedNote {
  if (typeof note !== 'string' || note.length === 0) throw new NoteFormatError('the note is empty');
  if (note.length > maxNoteLength) throw new NoteFormatError('the note is too long');
  if (hasControlCharacter(note, { newline: true })) throw new NoteFormatError('the note contains a control character');
  if (loneSurrogate.test(note)) throw new NoteFormatError('the note is not valid UTF-8');
  if (!note.endsWith('\n')) throw new NoteFormatError('the note does not end with a newline');
  // The text ends at the last blank line: text may hold blank lines, signatures may not.
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw new NoteFormatError('the note has no blank line before its signatures');
  const text = note.slice(0, split + 1);
  const lines = note.slice(split + 2, -1).split('\n');
  if (lines.length > maxSignatures) throw new NoteFormatError('the note has too many signatures');
  const signatures = lines.map((line) => {
    const match = signatureLine.exec(line);
    if (!match) throw new NoteFormatError(`not a signature line: ${JSON.stringify(line.slice(0, 80))}`);
    const [, keyName = '', encoded = ''] = match;
    if (unicodeSpaceOrPlus.test(keyName)) throw new NoteFormatError('a key name contains a space or a plus sign');
    const bytes = fromBase64(encoded);
    if (!bytes || bytes.length < 5)
      throw new NoteFormatError(`the signature by ${keyName} is not base64 of a key id and a signature`);
    return { keyName, keyId: toHex(bytes.subarray(0, 4)), signature: bytes.slice(4) };
  });
  return { text, signatures };
}
