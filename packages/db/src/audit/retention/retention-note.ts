import { DbError } from '../../errors.ts';
import { type CheckpointKey, noteSignedBy, type SplitNote, splitSignedNote } from '../checkpoints/signed-note.ts';

/**
 * A retention record as signed: a C2SP signed note whose body is
 *
 *     <origin of the chain's checkpoints>
 *     retention <start leaf> <end leaf>
 *     removed-at <UTC instant>
 *     policy <days> days
 *     cutoff <UTC instant>
 *     checkpoint <tree size> <base64 root>
 *     chain-hash <base64 chain hash at leaf end - 1>
 *
 * The second line never parses as a tree size, so no record passes for a
 * checkpoint (nor a checkpoint for a record) under the same key.
 */
export interface RetentionNote extends SplitNote {
  origin: string;
  startLeaf: number;
  endLeaf: number;
  removedAt: string;
  keepDays: number;
  cutoff: string;
  checkpointSize: number;
  checkpointRoot: Buffer;
  chainHash: Buffer;
}

const instant = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const count = /^(0|[1-9][0-9]{0,15})$/;

/** Parses a retention record's signed note; throws INVALID_INPUT when it is not one. Checks no signature. */
export function parseRetentionNote(note: string): RetentionNote {
  const fail = (why: string): never => {
    throw new DbError('INVALID_INPUT', `not a signed retention record: ${why}`);
  };
  const split = splitSignedNote(note, 'retention record');
  const lines = split.body.slice(0, -1).split('\n');
  if (lines.length !== 7) fail('the body has seven lines');
  const [origin = '', range = '', removed = '', policy = '', cutoff = '', checkpoint = '', chain = ''] = lines;
  const field = (line: string, pattern: RegExp, what: string): string[] => {
    const match = pattern.exec(line);
    if (!match) return fail(`"${line.slice(0, 80)}" is not ${what}`);
    return match.slice(1);
  };
  const number = (text: string | undefined): number => {
    if (!text || !count.test(text) || !Number.isSafeInteger(Number(text))) return fail(`${text} is not a count`);
    return Number(text);
  };
  const hash = (text: string | undefined): Buffer => {
    const bytes = Buffer.from(text ?? '', 'base64');
    if (bytes.length !== 32 || bytes.toString('base64') !== text) return fail('a hash is not 32 bytes of base64');
    return bytes;
  };
  if (origin === '') fail('no origin');
  const [start, end] = field(range, /^retention (\S+) (\S+)$/, 'a leaf range');
  const [removedAt = ''] = field(removed, /^removed-at (\S+)$/, 'a removal time');
  const [days] = field(policy, /^policy (\S+) days$/, 'a policy');
  const [cutoffAt = ''] = field(cutoff, /^cutoff (\S+)$/, 'a cutoff');
  const [size, root] = field(checkpoint, /^checkpoint (\S+) (\S+)$/, 'a checkpoint');
  const [chainHash] = field(chain, /^chain-hash (\S+)$/, 'a chain hash');
  if (!instant.test(removedAt) || !instant.test(cutoffAt)) fail('a time is not a UTC instant');
  const parsed: RetentionNote = {
    ...split,
    origin,
    startLeaf: number(start),
    endLeaf: number(end),
    removedAt,
    keepDays: number(days),
    cutoff: cutoffAt,
    checkpointSize: number(size),
    checkpointRoot: hash(root),
    chainHash: hash(chainHash),
  };
  if (parsed.endLeaf <= parsed.startLeaf || parsed.checkpointSize < parsed.endLeaf)
    fail('the range is empty or unsigned');
  return parsed;
}

/** True when the record carries a valid signature by one of `keys`. */
export const retentionNoteSignedBy = (note: RetentionNote, keys: readonly CheckpointKey[]): boolean =>
  keys.some((key) => noteSignedBy(note, key));
