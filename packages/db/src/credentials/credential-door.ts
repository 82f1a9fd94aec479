import type { PlatformDoor } from '../platform/platform-door.ts';
import type { ResolvedApiKey, ResolvedSession } from '../platform/resolved-credentials.ts';
import type { RequestActor } from '../tenant-context/actor.ts';
import { CredentialCache } from './credential-cache.ts';
import { CredentialListener } from './credential-listener.ts';
import type { CredentialUse } from './credential-use.ts';

/** How long a resolved credential is served without asking the database, should an announcement be missed. */
export const defaultCredentialTtlMs = 5_000;

export interface CredentialDoorOptions {
  /** Where to LISTEN for changes: a direct connection (not PgBouncer in transaction mode). */
  listenUrl: string;
  /** The staleness bound (default 5 s); 0 turns the cache off. */
  ttlMs?: number;
  /** Told when a renewal fails (its credentials then end at their bound and are resolved one by one). */
  onError?: (error: unknown, what: string) => void;
}

/** Hashes per renewal statement, so that a process holding many credentials sends bounded arrays. */
const renewalBatch = 1_000;

/**
 * Credentials on the request path without a round trip: API keys and
 * sessions resolved through the platform door are kept in memory, keyed by
 * their token hash, and served while (a) this process is LISTENing for
 * credential changes (migration 0027 announces every revocation, ending,
 * deactivation, role, password or MFA change, per tenant, at commit), (b)
 * no such change arrived for the credential's tenant since it was read,
 * and (c) less than the TTL has passed; a session also only while neither
 * its absolute end nor its idle timeout has come, and a key only before
 * its expiry. Anything else asks the
 * database, which ends an expired session and records it as before.
 *
 * Only credentials that let a request through are kept: a refused one is
 * asked again every time (its refusal is recorded each time anyway).
 * Uses are written behind (`CredentialUse`), not on each request.
 *
 * Every half TTL, the credentials served since the last renewal are read
 * again together, one statement per kind and per thousand (migration
 * 0088), and those still live start a new TTL from the moment that read
 * began; the others are dropped. A credential in steady use is thus never
 * resolved on its own again, and none is served on a read older than the
 * TTL.
 */
export class CredentialDoor {
  readonly #platform: PlatformDoor;
  readonly #use: CredentialUse;
  readonly #ttlMs: number;
  readonly #keys = new CredentialCache<ResolvedApiKey>();
  readonly #sessions = new CredentialCache<ResolvedSession>();
  readonly #listenUrl: string;
  readonly #onError: (error: unknown, what: string) => void;
  readonly #renewalTimer: NodeJS.Timeout | undefined;
  #listener: CredentialListener | null = null;
  #renewing: Promise<void> | null = null;

  constructor(platform: PlatformDoor, use: CredentialUse, options: CredentialDoorOptions) {
    this.#platform = platform;
    this.#use = use;
    this.#ttlMs = options.ttlMs ?? defaultCredentialTtlMs;
    this.#listenUrl = options.listenUrl;
    this.#onError = options.onError ?? (() => {});
    if (this.#ttlMs > 0) {
      this.#renewalTimer = setInterval(() => void this.renew(), this.#ttlMs / 2);
      this.#renewalTimer.unref();
    }
  }

  /** Hits and misses of both caches, for tests and benchmarks. */
  stats(): { keys: CredentialCache<ResolvedApiKey>['stats']; sessions: CredentialCache<ResolvedSession>['stats'] } {
    return { keys: { ...this.#keys.stats }, sessions: { ...this.#sessions.stats } };
  }

  /** Resolves once change announcements are being received (the caches can be served). */
  ready(): Promise<void> {
    return this.#listen().ready();
  }

  /** The live API key behind `keyHash` (see {@link PlatformDoor.resolveApiKey}); its use is noted. */
  async resolveApiKey(keyHash: string, actor: RequestActor): Promise<ResolvedApiKey | null> {
    const serving = this.#serving();
    const cached = serving ? this.#keys.get(keyHash) : undefined;
    let key = cached?.value ?? null;
    if (!cached) {
      const generation = this.#keys.generation();
      key = await this.#platform.resolveApiKey(keyHash, actor);
      if (serving && key?.tenantActive) {
        // A key's expiry is no announced change: the entry ends with the key.
        const until = Math.min(Date.now() + this.#ttlMs, key.expiresAt ?? Number.POSITIVE_INFINITY);
        this.#keys.set(keyHash, { tenantId: key.tenantId, value: key, until }, generation);
      }
    }
    if (key?.tenantActive) this.#use.key(keyHash);
    return key;
  }

  /**
   * The live session behind `tokenHash` (see {@link PlatformDoor.resolveSession}).
   * The caller notes its use with {@link sessionUsed} once it lets the request through.
   */
  async resolveSession(tokenHash: string, actor: RequestActor): Promise<ResolvedSession | null> {
    const now = Date.now();
    const serving = this.#serving();
    const cached = serving ? this.#sessions.get(tokenHash, now) : undefined;
    if (cached) {
      const session = cached.value;
      if (now < session.expiresAt && now < session.lastActivityAt + session.idleTimeoutMs) return session;
      this.#sessions.delete(tokenHash);
    }
    const generation = this.#sessions.generation();
    const session = await this.#platform.resolveSession(tokenHash, actor, this.#use.pendingSession(tokenHash));
    if (serving && session && signedIn(session)) {
      this.#sessions.set(
        tokenHash,
        { tenantId: session.tenantId, value: session, until: Date.now() + this.#ttlMs },
        generation,
      );
    }
    return session;
  }

  /** Notes a request the session made, from `ip` (the address now on record for it). */
  sessionUsed(tokenHash: string, ip: string | null): void {
    const now = Date.now();
    this.#use.session(tokenHash, now);
    const session = this.#sessions.peek(tokenHash)?.value;
    if (session) {
      session.lastActivityAt = now;
      if (ip) session.lastIp = ip;
    }
  }

  /**
   * Forgets a tenant's credentials now: a transaction of this process
   * changed one (its announcement to every process follows at commit).
   */
  forgetTenant(tenantId: string): void {
    this.#keys.dropTenant(tenantId);
    this.#sessions.dropTenant(tenantId);
  }

  /** Forgets every credential (as after a lost announcement); the next request of each asks the database. */
  forget(): void {
    this.#keys.clear();
    this.#sessions.clear();
  }

  /**
   * Reads again every credential served since the last renewal (the timer
   * calls this every half TTL); resolves when done. A renewal still running
   * is joined, not doubled.
   */
  renew(): Promise<void> {
    // Never starts the listener: a process that has resolved nothing (a CLI command) holds nothing to renew.
    if (this.#ttlMs === 0 || !this.#listener?.listening) return Promise.resolve();
    // Both kinds run to their end, failed or not, before the next renewal may start (or close() returns).
    this.#renewing ??= Promise.allSettled([this.#renewKeys(), this.#renewSessions()]).then((results) => {
      this.#renewing = null;
      for (const result of results) {
        if (result.status === 'rejected') {
          this.#onError(result.reason, 'renewing cached credentials failed; each is resolved on its own at its bound');
        }
      }
    });
    return this.#renewing;
  }

  async close(): Promise<void> {
    clearInterval(this.#renewalTimer);
    await this.#renewing;
    await this.#listener?.close();
  }

  async #renewKeys(): Promise<void> {
    for (const hashes of batches(this.#keys.takeServed())) {
      const generation = this.#keys.generation();
      const readFrom = Date.now();
      const live = byHash(await this.#platform.renewApiKeys(hashes));
      for (const hash of hashes) {
        // Only what is still held is renewed: an entry gone meanwhile is resolved by its next request.
        const held = this.#keys.peek(hash)?.value;
        if (!held) continue;
        const key = live.get(hash)?.find((row) => sameApiKey(held, row.key))?.key;
        if (!key?.tenantActive) {
          this.#keys.delete(hash);
          continue;
        }
        const until = Math.min(readFrom + this.#ttlMs, key.expiresAt ?? Number.POSITIVE_INFINITY);
        this.#keys.renew(hash, { tenantId: key.tenantId, value: key, until }, generation);
      }
    }
  }

  async #renewSessions(): Promise<void> {
    for (const hashes of batches(this.#sessions.takeServed())) {
      const generation = this.#sessions.generation();
      const readFrom = Date.now();
      const live = byHash(
        await this.#platform.renewSessions(
          hashes.map((tokenHash) => ({ tokenHash, seenAt: this.#use.pendingSession(tokenHash) })),
        ),
      );
      for (const hash of hashes) {
        const held = this.#sessions.peek(hash)?.value;
        if (!held) continue;
        const session = live.get(hash)?.find((row) => sameSession(held, row.session))?.session;
        if (!session || !signedIn(session)) {
          this.#sessions.delete(hash);
          continue;
        }
        // A request served while the renewal was read is newer than what it read.
        const value = held.lastActivityAt > session.lastActivityAt ? withUseOf(session, held) : session;
        this.#sessions.renew(hash, { tenantId: value.tenantId, value, until: readFrom + this.#ttlMs }, generation);
      }
    }
  }

  /** Served from memory only while listening; the listener starts with the first resolution. */
  #serving(): boolean {
    return this.#ttlMs > 0 && this.#listen().listening;
  }

  #listen(): CredentialListener {
    this.#listener ??= new CredentialListener({
      url: this.#listenUrl,
      onChange: (tenantId) => this.forgetTenant(tenantId),
      onReset: () => this.forget(),
    });
    return this.#listener;
  }
}

/** A renewal's rows by hash: a hash is unique per tenant only, so one may name credentials of two tenants. */
function byHash<T extends { hash: string }>(rows: T[]): Map<string, T[]> {
  const grouped = new Map<string, T[]>();
  for (const row of rows) {
    const same = grouped.get(row.hash);
    if (same) same.push(row);
    else grouped.set(row.hash, [row]);
  }
  return grouped;
}

/** A renewed row names the credential the entry held, not another tenant's under the same hash. */
const sameApiKey = (held: ResolvedApiKey, renewed: ResolvedApiKey): boolean =>
  held.tenantId === renewed.tenantId && held.keyId === renewed.keyId;

const sameSession = (held: ResolvedSession, renewed: ResolvedSession): boolean =>
  held.tenantId === renewed.tenantId && held.sessionId === renewed.sessionId;

/** A session that lets a request through: its second factor given, its user and workspace active. */
const signedIn = (session: ResolvedSession): boolean =>
  !session.mfaPending && session.userActive && session.tenantActive;

const withUseOf = (session: ResolvedSession, held: ResolvedSession): ResolvedSession => ({
  ...session,
  lastActivityAt: held.lastActivityAt,
  lastIp: held.lastIp,
});

function* batches(hashes: string[]): Generator<string[]> {
  for (let start = 0; start < hashes.length; start += renewalBatch) yield hashes.slice(start, start + renewalBatch);
}
