import pg from 'pg';

/** The channel migration 0027's triggers announce credential changes on; the payload is the tenant id. */
export const credentialChannel = 'skillhub_credentials';

export interface CredentialListenerOptions {
  url: string;
  /** A credential of this tenant may have changed. */
  onChange: (tenantId: string) => void;
  /** Announcements may have been missed (connection lost, or just made): forget everything. */
  onReset: () => void;
  /** Longest wait between reconnection attempts; default 5 s. */
  maxRetryMs?: number;
}

/**
 * One connection of its own that LISTENs for credential changes, outside
 * the pool (a pooled connection is shared between transactions, and
 * PgBouncer in transaction mode would lose the subscription). While it is
 * not listening, `listening` is false and the cache must not be served;
 * when it (re)connects it resets the cache first, since announcements sent
 * in between are lost. Reconnects with a growing delay until closed.
 */
export class CredentialListener {
  readonly #options: CredentialListenerOptions;
  #client: pg.Client | null = null;
  #closed = false;
  #retryMs = 100;
  #timer: NodeJS.Timeout | undefined;
  #listening = false;
  #waiters: Array<() => void> = [];

  constructor(options: CredentialListenerOptions) {
    this.#options = options;
    void this.#connect();
  }

  get listening(): boolean {
    return this.#listening;
  }

  /** Resolves once listening (or closed); for tests that must know the cache can be served. */
  ready(): Promise<void> {
    if (this.#listening || this.#closed) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#listening = false;
    clearTimeout(this.#timer);
    const client = this.#client;
    this.#client = null;
    for (const wake of this.#waiters.splice(0)) wake();
    await client?.end().catch(() => {});
  }

  async #connect(): Promise<void> {
    if (this.#closed) return;
    const client = new pg.Client({ connectionString: this.#options.url, connectionTimeoutMillis: 5_000 });
    this.#client = client;
    client.on('error', () => this.#lost(client));
    client.on('end', () => this.#lost(client));
    client.on('notification', (message) => {
      if (message.channel === credentialChannel && message.payload) this.#options.onChange(message.payload);
    });
    try {
      await client.connect();
      await client.query(`listen ${credentialChannel}`);
    } catch {
      this.#lost(client);
      return;
    }
    if (this.#closed) {
      await client.end().catch(() => {});
      return;
    }
    if (this.#client !== client) return;
    this.#retryMs = 100;
    this.#options.onReset();
    this.#listening = true;
    for (const wake of this.#waiters.splice(0)) wake();
  }

  #lost(client: pg.Client): void {
    // Only the current connection's loss counts; an old one's late 'end' is history.
    if (this.#client !== client || this.#closed) return;
    this.#client = null;
    if (this.#listening) this.#options.onReset();
    this.#listening = false;
    void client.end().catch(() => {});
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#connect();
    }, this.#retryMs);
    this.#timer.unref();
    this.#retryMs = Math.min(this.#retryMs * 2, this.#options.maxRetryMs ?? 5_000);
  }
}
