import type { TestDatabase } from '../../src/testing/index.ts';

/**
 * Resolves once some backend of the cluster waits on an advisory lock, or
 * once `done()` says the work that might have waited has finished, or after
 * `timeoutMs`: how a test sees that a door queued behind another
 * transaction's lock instead of going ahead.
 */
export async function untilWaitingOnAdvisoryLock(
  testDb: TestDatabase,
  done: () => boolean,
  timeoutMs = 5_000,
): Promise<void> {
  for (let waited = 0; !done() && waited < timeoutMs; waited += 50) {
    const { rows } = await testDb.ownerQuery<{ n: string }>(
      `select count(*) as n from pg_stat_activity where wait_event_type = 'Lock' and wait_event = 'advisory'`,
    );
    if (Number(rows[0]?.n) > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
