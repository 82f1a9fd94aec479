import type { Logger } from 'pino';

/** More records than this waiting means the database cannot keep up: further ones are dropped (and logged). */
const maxPending = 1_000;

/**
 * Records a request leaves but its answer must not wait for: a probe of
 * another tenant's id (awaiting it made the 404 slower for ids that exist,
 * a timing oracle) and refused credentials. Each runs after the response
 * has been handed to the socket, in its own transaction; a failure is
 * logged with the request id. `settled()` waits for every record started
 * so far: the server's close() calls it, and tests call it before they look.
 */
export class BackgroundRecords {
  readonly #logger: Logger;
  readonly #pending = new Set<Promise<void>>();
  #dropped = 0;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /** Runs `record` once the current response is on its way. */
  later(what: string, requestId: string, record: () => Promise<unknown>): void {
    if (this.#pending.size >= maxPending) {
      this.#dropped += 1;
      this.#logger.warn({ requestId, what, dropped: this.#dropped }, 'too many records pending; this one is dropped');
      return;
    }
    const task = new Promise<void>((resolve) => setImmediate(resolve))
      .then(record)
      .then(
        () => {},
        (err: unknown) => this.#logger.error({ err, requestId }, `recording ${what} failed`),
      )
      .finally(() => this.#pending.delete(task));
    this.#pending.add(task);
  }

  /** Resolves when every record started before (or while) waiting has finished. */
  async settled(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }
}
