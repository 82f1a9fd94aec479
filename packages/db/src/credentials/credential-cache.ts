/** A resolved credential as the cache keeps it: whose tenant, and until when it may be served. */
export interface CachedCredential<T> {
  tenantId: string;
  value: T;
  /** Epoch ms after which the entry is not served (the staleness bound, or the credential's own end). */
  until: number;
}

/**
 * Resolved credentials in memory, keyed by their token hash. An entry is
 * served until its bound passes; a tenant's entries are dropped together
 * when the database announces a change in that tenant, and every entry when
 * announcements may have been missed.
 *
 * A resolution that started before a drop must not store what it read
 * (it may predate the change that caused the drop): callers take a
 * `generation()` before asking the database and `set` refuses an entry
 * from an older generation.
 */
export class CredentialCache<T> {
  readonly #entries = new Map<string, CachedCredential<T>>();
  readonly #byTenant = new Map<string, Set<string>>();
  /** Entries served or stored since the last `takeServed`: the ones worth renewing. */
  #served = new Set<string>();
  #generation = 0;
  /** Counts for tests and benchmarks: served from memory, or not. */
  readonly stats = { hits: 0, misses: 0, drops: 0 };

  generation(): number {
    return this.#generation;
  }

  get(hash: string, now = Date.now()): CachedCredential<T> | undefined {
    const entry = this.#entries.get(hash);
    if (entry && entry.until > now) {
      this.stats.hits += 1;
      this.#served.add(hash);
      return entry;
    }
    if (entry) this.#remove(hash, entry.tenantId);
    this.stats.misses += 1;
    return undefined;
  }

  /** The entry as it is, served or not, without counting. */
  peek(hash: string): CachedCredential<T> | undefined {
    return this.#entries.get(hash);
  }

  /** Stores a credential just resolved for a request (it counts as served). */
  set(hash: string, entry: CachedCredential<T>, generation: number): void {
    if (this.#store(hash, entry, generation)) this.#served.add(hash);
  }

  /** Stores a credential read again by a renewal: it is renewed again only if served meanwhile. */
  renew(hash: string, entry: CachedCredential<T>, generation: number): void {
    this.#store(hash, entry, generation);
  }

  /** The hashes of entries served or stored since the last call and still held; starts the next count. */
  takeServed(): string[] {
    const served = [...this.#served].filter((hash) => this.#entries.has(hash));
    this.#served = new Set();
    return served;
  }

  delete(hash: string): void {
    const entry = this.#entries.get(hash);
    if (entry) this.#remove(hash, entry.tenantId);
  }

  /** Drops every entry of a tenant (something that may end one of them changed there). */
  dropTenant(tenantId: string): void {
    this.#generation += 1;
    this.stats.drops += 1;
    for (const hash of this.#byTenant.get(tenantId) ?? []) this.#entries.delete(hash);
    this.#byTenant.delete(tenantId);
  }

  /** Drops everything (announcements may have been missed). */
  clear(): void {
    this.#generation += 1;
    this.stats.drops += 1;
    this.#entries.clear();
    this.#byTenant.clear();
  }

  #store(hash: string, entry: CachedCredential<T>, generation: number): boolean {
    if (generation !== this.#generation) return false;
    const previous = this.#entries.get(hash);
    if (previous) this.#remove(hash, previous.tenantId);
    this.#entries.set(hash, entry);
    let hashes = this.#byTenant.get(entry.tenantId);
    if (!hashes) {
      hashes = new Set();
      this.#byTenant.set(entry.tenantId, hashes);
    }
    hashes.add(hash);
    return true;
  }

  #remove(hash: string, tenantId: string): void {
    this.#entries.delete(hash);
    const hashes = this.#byTenant.get(tenantId);
    hashes?.delete(hash);
    if (hashes?.size === 0) this.#byTenant.delete(tenantId);
  }
}
