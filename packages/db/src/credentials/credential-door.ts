import type { PlatformDoor, ResolvedApiKey, ResolvedSession } from '../platform/platform-door.ts';
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
}

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
 */
export class CredentialDoor {
  readonly #platform: PlatformDoor;
  readonly #use: CredentialUse;
  readonly #ttlMs: number;
  readonly #keys = new CredentialCache<ResolvedApiKey>();
  readonly #sessions = new CredentialCache<ResolvedSession>();
  readonly #listenUrl: string;
  #listener: CredentialListener | null = null;

  constructor(platform: PlatformDoor, use: CredentialUse, options: CredentialDoorOptions) {
    this.#platform = platform;
    this.#use = use;
    this.#ttlMs = options.ttlMs ?? defaultCredentialTtlMs;
    this.#listenUrl = options.listenUrl;
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
    if (serving && session && !session.mfaPending && session.userActive && session.tenantActive) {
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

  async close(): Promise<void> {
    await this.#listener?.close();
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
