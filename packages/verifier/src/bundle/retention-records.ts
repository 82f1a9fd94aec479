/**
 * Retention records carried by a bundle's header: C2SP signed notes, by the
 * checkpoint key, each stating that leaves [start, end) of this log left by
 * policy. Trusted only when each is signed by the bundle's trusted key,
 * names the bundle's log, and the ranges run from leaf 0 without a gap
 * (the server removes only a prefix). The leaves they cover are then
 * "removed by policy", not missing.
 */
import { utf8 } from '../bytes.ts';
import type { Checkpoint } from '../checkpoint.ts';
import { verifyEd25519 } from '../ed25519.ts';
import { NoteFormatError, parseSignedNote } from '../signed-note.ts';
import type { VerifierKey } from '../verifier-key.ts';
import type { Problem } from './problems.ts';

/** Leaves one trusted record says left by policy. */
export interface RemovedByPolicy {
  startLeaf: number;
  endLeaf: number;
  removedAt: string;
  keepDays: number;
  /** The record's signed text, first line excepted: what a reader quotes. */
  record: string;
}

/** Which prefix of the tree left by policy ([0, removedBefore)), and what was wrong with the records. */
export interface RetentionCheck {
  removedBefore: number;
  removed: RemovedByPolicy[];
  problems: Problem[];
}

/** At most this many records are read from a header (each covers a run of expired leaves). */
const maxRecords = 10_000;
const count = /^(0|[1-9][0-9]{0,15})$/;

function parseRecordText(text: string): Omit<RemovedByPolicy, 'record'> & { origin: string; checkpointSize: number } {
  const lines = text.slice(0, -1).split('\n');
  const [origin = '', range = '', removed = '', policy = '', , checkpoint = ''] = lines;
  const rangeMatch = /^retention (\S+) (\S+)$/.exec(range);
  const removedMatch = /^removed-at (\S+)$/.exec(removed);
  const policyMatch = /^policy (\S+) days$/.exec(policy);
  const checkpointMatch = /^checkpoint (\S+) \S+$/.exec(checkpoint);
  const numbers = [rangeMatch?.[1], rangeMatch?.[2], policyMatch?.[1], checkpointMatch?.[1]];
  if (lines.length !== 7 || !removedMatch || numbers.some((n) => n === undefined || !count.test(n))) {
    throw new NoteFormatError('the text is not a retention record');
  }
  const [startLeaf, endLeaf, keepDays, checkpointSize] = numbers.map(Number) as [number, number, number, number];
  if (endLeaf <= startLeaf || checkpointSize < endLeaf) throw new NoteFormatError('the record’s range is empty');
  return { origin, startLeaf, endLeaf, removedAt: removedMatch[1] ?? '', keepDays, checkpointSize };
}

/** Checks the header's `retention` field against the trusted checkpoint and key. */
export async function checkRetentionRecords(
  field: unknown,
  checkpoint: Checkpoint,
  key: VerifierKey,
): Promise<RetentionCheck> {
  const result: RetentionCheck = { removedBefore: 0, removed: [], problems: [] };
  if (field === undefined) return result;
  const forged = (message: string): RetentionCheck => ({
    removedBefore: 0,
    removed: [],
    problems: [{ kind: 'retention-forged', line: 1, message }],
  });
  if (!Array.isArray(field) || field.length > maxRecords || !field.every((n) => typeof n === 'string')) {
    return forged('the header’s retention field is not a list of signed notes');
  }
  for (const [i, note] of (field as string[]).entries()) {
    let text: string;
    let parsed: ReturnType<typeof parseRecordText>;
    let signatures: Uint8Array[];
    try {
      const split = parseSignedNote(note);
      text = split.text;
      parsed = parseRecordText(text);
      signatures = split.signatures
        .filter((s) => s.keyName === key.keyName && s.keyId === key.keyId)
        .map((s) => s.signature);
    } catch (error: unknown) {
      if (error instanceof NoteFormatError) return forged(`retention record ${i + 1}: ${error.message}`);
      throw error;
    }
    if (signatures.length === 0)
      return forged(`retention record ${i + 1} carries no signature by ${key.keyName}+${key.keyId}`);
    for (const signature of signatures) {
      if (!(await verifyEd25519(key.publicKey, signature, utf8(text)))) {
        return forged(`the signature of retention record ${i + 1} does not match its text`);
      }
    }
    if (parsed.origin !== checkpoint.origin)
      return forged(`retention record ${i + 1} is of another log (${parsed.origin})`);
    if (parsed.startLeaf !== result.removedBefore) {
      return forged(
        `retention record ${i + 1} starts at leaf ${parsed.startLeaf}, not where the one before ended (${result.removedBefore})`,
      );
    }
    if (parsed.endLeaf > checkpoint.treeSize) return forged(`retention record ${i + 1} reaches past the signed tree`);
    result.removedBefore = parsed.endLeaf;
    result.removed.push({
      startLeaf: parsed.startLeaf,
      endLeaf: parsed.endLeaf,
      removedAt: parsed.removedAt,
      keepDays: parsed.keepDays,
      record: text
        .slice(text.indexOf('\n') + 1)
        .replaceAll('\n', '; ')
        .replace(/; $/, ''),
    });
  }
  return result;
}
