/** A loop started by {@link startTimerLoop}. */
export interface TimerLoop {
  /** Runs the next round now; during a round, right after it (a round in flight is not interrupted). */
  wake(): void;
  /** Schedules no further round and waits for the one in flight, if any. */
  stop(): Promise<void>;
}

export interface TimerLoopOptions {
  /** One round of work; resolves to how long to wait before the next round (0: at once). */
  round: () => Promise<number>;
  /**
   * Called with a round's error; the loop goes on after `afterErrorMs`, twice that after a second error in
   * a row, and so on up to `maxAfterErrorMs` (default 5 s), until a round succeeds: a failure that lasts
   * (the database down, a statement it refuses every time) is retried and logged less and less often.
   */
  onError: (error: unknown) => void;
  afterErrorMs: number;
  maxAfterErrorMs?: number;
}

/**
 * Runs `round` now, then again after the delay each round asks for (or
 * sooner, when woken), never two rounds at once, until stopped. Background
 * work in the server process (sealing, sink delivery) shares it so that
 * stopping is the same everywhere: no timer left behind, and the round in
 * flight finished.
 *
 * @example
 * const loop = startTimerLoop({ round: async () => ((await work()) > 0 ? 0 : 250), onError: log, afterErrorMs: 250 });
 * await loop.stop();
 */
export function startTimerLoop(options: TimerLoopOptions): TimerLoop {
  let stopped = false;
  let waiting = false;
  // Woken while a round ran: what it was woken for may have come after the round looked.
  let woken = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let failuresInARow = 0;
  const maxAfterErrorMs = Math.max(options.afterErrorMs, options.maxAfterErrorMs ?? 5_000);
  const tick = () => {
    waiting = false;
    woken = false;
    running = options
      .round()
      .then(
        (delayMs) => {
          failuresInARow = 0;
          return delayMs;
        },
        (error: unknown) => {
          options.onError(error);
          failuresInARow += 1;
          return Math.min(maxAfterErrorMs, options.afterErrorMs * 2 ** Math.min(failuresInARow - 1, 30));
        },
      )
      .then((delayMs) => {
        if (stopped) return;
        waiting = true;
        timer = setTimeout(tick, woken ? 0 : delayMs);
      });
  };
  tick();
  return {
    wake: () => {
      if (stopped) return;
      if (!waiting) {
        woken = true;
        return;
      }
      clearTimeout(timer);
      tick();
    },
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
