/**
 * One part of a bundle's lines checked on its own, for a caller that checks
 * parts side by side (../cli/check-bundle-file.ts).
 */
import type { TrustedHeader } from './bundle-header.ts';
import { type BundleLine, BundleRun, type CheckBundleOptions } from './check-bundle.ts';
import { ProblemList } from './problems.ts';

/**
 * What a check of one part of a bundle's lines saw, for a caller that
 * checks parts side by side: enough to tell that the whole bundle holds
 * (every part clean, leaves strictly increasing across parts, one end line
 * at the very end), never enough to say what went wrong. When a part is
 * not clean, check the whole bundle in order to name the problems.
 */
export interface SegmentSummary {
  /** Lines read (the last part may end without a newline). */
  lines: number;
  /** Lines that are not empty. */
  nonEmptyLines: number;
  events: number;
  /** Problems found inside the part, and failed proofs kept to decide at the end (both 0 when clean). */
  problemCount: number;
  deferred: number;
  /** The first and last leaf proved, -1 when none. */
  firstLeaf: number;
  lastLeaf: number;
  /** Whether the leaves proved are consecutive (no gap inside the part). */
  gapless: boolean;
  /** The part's end line: its count, and the non-empty lines read before it. */
  end?: { count: number; nonEmptyBefore: number };
}

/**
 * Checks the lines of one part of a bundle whose header was verified
 * already: each line exactly as {@link checkBundle} checks it, with the
 * part's own order bookkeeping.
 */
export class BundleSegment {
  private readonly problems = new ProblemList(0);
  private readonly run: BundleRun;
  private lines = 0;
  private nonEmpty = 0;
  private end: SegmentSummary['end'];

  constructor(trusted: Pick<TrustedHeader, 'checkpoint' | 'eventsFormat' | 'complete'>, options: CheckBundleOptions) {
    // A part with a failed proof is not clean, and the caller checks the whole bundle again in order.
    this.run = new BundleRun(trusted as TrustedHeader, options, this.problems, { rootOfEvents: false });
  }

  async line(raw: BundleLine): Promise<void> {
    this.lines++;
    await this.run.line(raw, this.lines);
    if (raw !== '') this.nonEmpty++;
    const endCount = this.run.endSeen;
    if (this.end === undefined && endCount !== undefined)
      this.end = { count: endCount, nonEmptyBefore: this.nonEmpty - 1 };
  }

  summary(): SegmentSummary {
    return {
      lines: this.lines,
      nonEmptyLines: this.nonEmpty,
      events: this.run.events,
      problemCount: this.problems.count,
      deferred: this.run.deferredCount,
      firstLeaf: this.run.firstLeaf,
      lastLeaf: this.run.lastLeaf,
      gapless: this.run.gapless,
      ...(this.end && { end: this.end }),
    };
  }
}
