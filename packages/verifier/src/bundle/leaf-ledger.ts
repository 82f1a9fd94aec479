/**
 * Which leaf indexes a bundle has proved so far, in flat memory: the highest
 * one and the gaps below it (as ranges). A proved leaf that fills a gap came
 * late (reordered); one that is neither above the highest nor in a gap was
 * already proved (duplicated).
 */

/** Where a newly proved leaf falls. */
export type LeafArrival = 'in-order' | 'late' | 'duplicate';

/** A run of leaf indexes, both ends included. */
export interface LeafRange {
  first: number;
  last: number;
}

/** Gaps beyond this many are forgotten (the oldest first): only a hostile or heavily filtered bundle has that many. */
const maxGaps = 100_000;

/** The leaves proved so far. */
export class LeafLedger {
  private highest = -1;
  private gaps: LeafRange[] = [];

  /** Records leaf `index` as proved and says where it falls. */
  accept(index: number): LeafArrival {
    if (index > this.highest) {
      if (index > this.highest + 1) {
        this.gaps.push({ first: this.highest + 1, last: index - 1 });
        if (this.gaps.length > maxGaps) this.gaps.shift();
      }
      this.highest = index;
      return 'in-order';
    }
    const at = this.gapIndex(index);
    if (at < 0) return 'duplicate';
    this.removeFromGap(at, index);
    return 'late';
  }

  /** Whether leaf `index` has been proved. */
  has(index: number): boolean {
    return index <= this.highest && this.gapIndex(index) < 0;
  }

  /** Marks `index` as accounted for without its being proved (an edited line was reported for it). */
  account(index: number): void {
    if (index > this.highest) this.accept(index);
    else {
      const at = this.gapIndex(index);
      if (at >= 0) this.removeFromGap(at, index);
    }
  }

  /** The highest proved (or accounted) leaf, -1 for none. */
  get last(): number {
    return this.highest;
  }

  /** The gaps below the highest leaf, in order. */
  missing(): readonly LeafRange[] {
    return this.gaps;
  }

  private gapIndex(index: number): number {
    // Gaps are sorted and disjoint: binary search.
    let low = 0;
    let high = this.gaps.length - 1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      const gap = this.gaps[mid] as LeafRange;
      if (index < gap.first) high = mid - 1;
      else if (index > gap.last) low = mid + 1;
      else return mid;
    }
    return -1;
  }

  private removeFromGap(at: number, index: number): void {
    const gap = this.gaps[at] as LeafRange;
    const pieces: LeafRange[] = [];
    if (gap.first < index) pieces.push({ first: gap.first, last: index - 1 });
    if (index < gap.last) pieces.push({ first: index + 1, last: gap.last });
    this.gaps.splice(at, 1, ...pieces);
  }
}
