/**
 * How long delivery waits before each retry of a failing batch: at once,
 * then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, and 10 h from then on (the
 * Standard Webhooks schedule). The sink is paused once it has been failing
 * for longer than its pause threshold, whichever retry it is on.
 */
export const retryDelaysMs = [0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000] as const;

/**
 * The wait before the retry that follows `failures` consecutive failures
 * (1 = the first attempt failed). `scale` shrinks the schedule for tests
 * that run a day of outages in seconds; the server uses 1.
 */
export function retryDelayMs(failures: number, scale = 1): number {
  const index = Math.min(Math.max(failures - 1, 0), retryDelaysMs.length - 1);
  return Math.round((retryDelaysMs[index] ?? 0) * scale);
}
