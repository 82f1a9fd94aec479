/**
 * One check of the isolation self-test: what it is, what was tried, and
 * whether the guarantee held. `noted` is a documented limit that is not a
 * leak of any tenant's rows (it does not fail the run).
 */
export interface SelftestCheck {
  /** Stable name, `<area>: <target>` (the report and the signed summary name failed checks by it). */
  name: string;
  /** What was attempted, in a sentence. */
  tried: string;
  result: 'held' | 'failed' | 'noted';
  /** What was observed: counts, SQLSTATEs, statuses. */
  detail: string;
}

/** A canary workspace the self-test attacks from (A) or at (B). */
export interface SelftestTenant {
  id: string;
  slug: string;
}
