import { sql } from 'drizzle-orm';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import type * as schema from '../schema/index.ts';

/** How often the last uses of sessions and API keys are written; 30 s unless told. */
export const defaultCredentialUseFlushMs = 30_000;

/**
 * The write-behind of credential use: the last activity of each session
 * and the last use of each API key this process served, written in one
 * statement per interval (and at close) through
 * `platform.record_credential_use`, instead of a write on every read. A
 * session's pending activity also goes with its next resolution
 * (`seenAt`), so the database judges an idle timeout on it before it is
 * written. A failed write keeps what it carried for the next one.
 */
export class CredentialUse {
  readonly #db: NodePgDatabase<typeof schema>;
  readonly #sessions = new Map<string, number>();
  readonly #keys = new Map<string, number>();
  readonly #timer: NodeJS.Timeout;
  readonly #onError: (error: unknown, what: string) => void;
  #flushing: Promise<void> = Promise.resolve();

  constructor(db: NodePgDatabase<typeof schema>, intervalMs: number, onError: (error: unknown, what: string) => void) {
    this.#db = db;
    this.#onError = onError;
    this.#timer = setInterval(() => void this.flush(), intervalMs);
    this.#timer.unref();
  }

  session(tokenHash: string, at = Date.now()): void {
    this.#sessions.set(tokenHash, Math.max(at, this.#sessions.get(tokenHash) ?? 0));
  }

  key(keyHash: string, at = Date.now()): void {
    this.#keys.set(keyHash, Math.max(at, this.#keys.get(keyHash) ?? 0));
  }

  /** The session's activity seen here and not yet written, if any. */
  pendingSession(tokenHash: string): number | undefined {
    return this.#sessions.get(tokenHash);
  }

  /** Writes what is pending; concurrent calls run one after the other. */
  flush(): Promise<void> {
    this.#flushing = this.#flushing.then(() => this.#write());
    return this.#flushing;
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.flush();
  }

  async #write(): Promise<void> {
    if (this.#sessions.size === 0 && this.#keys.size === 0) return;
    const sessions = [...this.#sessions];
    const keys = [...this.#keys];
    this.#sessions.clear();
    this.#keys.clear();
    const iso = (entries: Array<[string, number]>) => entries.map(([, at]) => new Date(at).toISOString());
    try {
      await this.#db.execute(sql`select platform.record_credential_use(
        ${sql.param(sessions.map(([hash]) => hash))}::text[], ${sql.param(iso(sessions))}::timestamptz[],
        ${sql.param(keys.map(([hash]) => hash))}::text[], ${sql.param(iso(keys))}::timestamptz[])`);
    } catch (error) {
      for (const [hash, at] of sessions) this.session(hash, at);
      for (const [hash, at] of keys) this.key(hash, at);
      this.#onError(error, 'writing credential use failed; retried with the next write');
    }
  }
}
