/**
 * What the bundle and consistency checks can find, each named so a reader
 * (or a program reading `--json`) knows what happened to which event.
 */

/**
 * - `edited`: an event's canonical text, proof or readable fields were changed;
 * - `removed`: a leaf of the signed tree is missing (complete bundles), or
 *   the end line counts more events than the bundle holds;
 * - `inserted`: a line that is no leaf of the signed tree;
 * - `reordered`: a genuine event out of its place;
 * - `duplicated`: a genuine event that appears twice;
 * - `truncated`: the bundle stops before its end line;
 * - `checkpoint-forged`: the checkpoint's signature does not verify, or the
 *   header contradicts the signed checkpoint;
 * - `unknown-key`: the checkpoint is signed by no key given;
 * - `wrong-origin`: the checkpoint belongs to another log than expected;
 * - `fork`: two checkpoints of one log that cannot both be true;
 * - `malformed`: a line or file that is not what the format says;
 * - `retention-forged`: a retention record in the header that is not signed
 *   by the trusted key, not of this log, out of order, or that says a leaf
 *   left which the bundle still holds.
 */
export type ProblemKind =
  | 'edited'
  | 'removed'
  | 'inserted'
  | 'reordered'
  | 'duplicated'
  | 'truncated'
  | 'checkpoint-forged'
  | 'unknown-key'
  | 'wrong-origin'
  | 'fork'
  | 'malformed'
  | 'retention-forged';

/** One finding, naming the event when there is one. */
export interface Problem {
  kind: ProblemKind;
  message: string;
  /** The leaf index the line claims (or the missing leaf). */
  leafIndex?: number;
  /** The event id read from the canonical text (from the readable part when the canonical text is unreadable). */
  eventId?: string;
  /** 1-based line number in the bundle. */
  line?: number;
}

/** Collects problems up to a bound, so a hostile bundle with a million bad lines keeps memory flat. */
export class ProblemList {
  readonly items: Problem[] = [];
  count = 0;

  constructor(private readonly limit = 10_000) {}

  add(problem: Problem): void {
    this.count++;
    if (this.items.length < this.limit) this.items.push(problem);
  }

  /** Problems found but not kept. */
  get dropped(): number {
    return this.count - this.items.length;
  }
}
