import { type SQL, sql } from 'drizzle-orm';
import type { CheckpointKey } from '../checkpoints/signed-note.ts';
import { parseRetentionNote, retentionNoteSignedBy } from './retention-note.ts';

/** Runs one statement in the verifying transaction (verify-chain's ChainQuery, which imports this file). */
type ChainQuery = <R extends Record<string, unknown>>(query: SQL) => Promise<R[]>;

/** A range of leaves a signed retention record says left by policy. */
export interface RemovedRange {
  /** Leaves [startLeaf, endLeaf): seal positions startLeaf + 1 .. endLeaf. */
  startLeaf: number;
  endLeaf: number;
  removedAt: string;
  keepDays: number;
  /** The chain hash at leaf endLeaf - 1, as the record pins it. */
  chainHash: Buffer;
  /** How a reader names the record: `retention record [start, end) of <removed-at>, key <id>`. */
  record: string;
}

/** The chain's ranges removed under records that verify, or why one of them does not. */
export type TrustedRanges = { ok: true; ranges: RemovedRange[] } | { ok: false; startLeaf: number; why: string };

/**
 * Reads the chain's retention records and trusts them only when each is a
 * signed note by one of `keys` (the checkpoint keys), names this chain in
 * its origin (`system` for the system chain, as its checkpoints do), states the same range as its row, and the ranges run
 * contiguously from leaf 0 (removal is always a prefix). A forged,
 * unsigned or edited record, or one with no key to check it, is a reason,
 * never a range.
 */
export async function trustedRetentionRanges(
  query: ChainQuery,
  chain: string,
  keys: readonly CheckpointKey[] | undefined,
): Promise<TrustedRanges> {
  const rows = await query<{ start_leaf: string; end_leaf: string; note: string; key_id: string }>(
    sql`select start_leaf, end_leaf, note, key_id from audit.retention_records where chain = ${chain}
        order by start_leaf`,
  );
  const ranges: RemovedRange[] = [];
  let expectedStart = 0;
  for (const row of rows) {
    const startLeaf = Number(row.start_leaf);
    const fail = (why: string): TrustedRanges => ({ ok: false, startLeaf, why });
    let note: ReturnType<typeof parseRetentionNote>;
    try {
      note = parseRetentionNote(row.note);
    } catch (error) {
      return fail(`the retention record of leaves from ${startLeaf} is not one (${(error as Error).message})`);
    }
    if (
      note.startLeaf !== startLeaf ||
      note.endLeaf !== Number(row.end_leaf) ||
      !note.origin.endsWith(`/audit/${chain === '' ? 'system' : chain}`)
    )
      return fail(`the retention record of leaves from ${startLeaf} was edited: its row and its signed note disagree`);
    if (startLeaf !== expectedStart)
      return fail(`retention records leave leaves ${expectedStart}..${startLeaf - 1} unaccounted for`);
    if (!keys || keys.length === 0)
      return fail(`no key was given to check the retention record of leaves from ${startLeaf}`);
    if (!retentionNoteSignedBy(note, keys))
      return fail(`the retention record of leaves [${startLeaf}, ${note.endLeaf}) is not signed by a trusted key`);
    ranges.push({
      startLeaf,
      endLeaf: note.endLeaf,
      removedAt: note.removedAt,
      keepDays: note.keepDays,
      chainHash: note.chainHash,
      record: `retention record [${startLeaf}, ${note.endLeaf}) of ${note.removedAt}, key ${row.key_id}`,
    });
    expectedStart = note.endLeaf;
  }
  return { ok: true, ranges };
}
