/**
 * How many events the next batch of each sink (or deployment chain) asks
 * for: `base` while it keeps up; twice the last size, up to `max`, after a
 * full batch was acknowledged (a full batch means more was waiting); back
 * to `base` after a short one. A failed batch keeps its size, so its retry
 * asks for what was pinned.
 *
 * Why: a batch costs a fixed overhead (two short transactions, a
 * connection, a signature) besides its events; at 5,000 events/s the
 * default 500 spent so much of each second on overheads that one sink fell
 * behind (bench/README.md, sinks.ts), while a sink that keeps up should
 * not send multi-megabyte bodies. The state lives in the process: a sink
 * another process takes over starts again at `base`.
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
    if (got < asked) this.#grown.delete(key);
    else if (asked < this.max) this.#grown.set(key, Math.min(this.max, asked * 2));
  }
}
