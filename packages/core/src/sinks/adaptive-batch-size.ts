/**
 * How many events the next batch of each sink (or deployment chain) asks
 * for, between `base` and `max`: twice the last size after a full batch
 * was acknowledged (a full batch means more was waiting); twice what came
 * after a short one, so a sink fed bursts (sealing runs every 250 ms)
 * sends each burst as one batch and a sink that goes quiet falls back to
 * `base`. A failed batch keeps its size, so its retry asks for what was
 * pinned.
 *
 * Why: a batch costs a fixed overhead (two short transactions, a
 * connection, a signature) besides its events; at 5,000 events/s the
 * default 500 spent so much of each second on overheads that one sink fell
 * behind (bench/README.md, sinks.ts), while a quiet sink has no need of
 * multi-megabyte bodies. The state lives in the process: a sink another
 * process takes over starts again at `base`.
 */
export class AdaptiveBatchSize {
  readonly #grown = new Map<string, number>();
  readonly base: number;
  readonly max: number;

  constructor(base: number, max: number) {
    this.base = base;
    this.max = Math.max(base, max);
  }

  /** The size the next batch of `key` asks for. */
  next(key: string): number {
    return this.#grown.get(key) ?? this.base;
  }

  /** After a batch of `key` that asked for `asked` events and got `got`, acknowledged or not. */
  settle(key: string, asked: number, got: number, acknowledged: boolean): void {
    if (!acknowledged) return;
    // Full: more was waiting. Short: room for twice what came, so the next burst of the same size is one batch.
    const next = Math.min(this.max, Math.max(this.base, got < asked ? got * 2 : asked * 2));
    if (next === this.base) this.#grown.delete(key);
    else this.#grown.set(key, next);
  }
}
