// A background loop whose round keeps failing (the database down, or a statement a Citus cluster refuses
// on every pass: the sink lease did, five times a second) backs off, doubling its pause up to a bound, and
// is back to its own pace after the first success.
import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import { startTimerLoop } from '../src/background/timer-loop.ts';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

test('consecutive failures double the pause up to its bound; a success resets it', async () => {
  const started: number[] = [];
  let failing = true;
  const errors: unknown[] = [];
  const loop = startTimerLoop({
    round: async () => {
      started.push(Date.now());
      if (failing) throw new Error('refused');
      return 50;
    },
    onError: (error) => errors.push(error),
    afterErrorMs: 100,
    maxAfterErrorMs: 1_000,
  });
  const t0 = Date.now();
  await vi.advanceTimersByTimeAsync(100 + 200 + 400 + 800 + 1_000 + 1_000);
  expect(started.map((at) => at - t0)).toEqual([0, 100, 300, 700, 1_500, 2_500, 3_500]);
  expect(errors).toHaveLength(7);
  failing = false;
  await vi.advanceTimersByTimeAsync(1_000 + 50 + 50);
  const after = started.slice(7).map((at) => at - t0);
  expect(after).toEqual([4_500, 4_550, 4_600]);
  failing = true;
  await vi.advanceTimersByTimeAsync(50 + 100);
  expect(started.slice(10).map((at) => at - t0)).toEqual([4_650, 4_750]);
  await loop.stop();
});
