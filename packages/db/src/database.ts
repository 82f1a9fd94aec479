import { sql } from 'drizzle-orm';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { type AuditSealer, sealCommittedEvents, sealPendingEvents, startAuditSealer } from './audit/audit-sealer.ts';
import { assertSafeRuntimeRole } from './checks/runtime-role.ts';
import { DbError } from './errors.ts';
import { connectionFailure } from './open-client.ts';
import { PlatformDoor } from './platform/platform-door.ts';
import * as schema from './schema/index.ts';
import { runnerFor } from './sql-runner.ts';
import { type RequestActor, systemActor } from './tenant-context/actor.ts';
import { type ContextKey, parseContextKey } from './tenant-context/context-key.ts';
import { outsideScope, type TenantTx } from './tenant-context/context-store.ts';
import { withTenantOn } from './tenant-context/with-tenant.ts';

export interface OpenDatabaseOptions {
  /** Connection string of the runtime role (never the owner). */
  url: string;
  /**
   * The key tenant contexts are signed with, as `<id>:<hex>`: read by the
   * owner with `readContextKey`, or given as SKILLHUB_CONTEXT_KEY. Checked
   * against the database before `open` returns.
   */
  contextKey: string;
  /** Pool size; default 10. */
  maxConnections?: number;
  /** Refuse a superuser, BYPASSRLS or table-owning role (default true). */
  verifyRole?: boolean;
}

/**
 * The application's handle on PostgreSQL. Tenant data is reachable only
 * through `withTenant`; the few cross-tenant operations through `platform`.
 * The pool itself is never handed out.
 */
export class Database {
  readonly #pool: pg.Pool;
  readonly #db: NodePgDatabase<typeof schema>;
  readonly #contextKey: ContextKey;
  readonly platform: PlatformDoor;

  private constructor(pool: pg.Pool, contextKey: ContextKey) {
    this.#pool = pool;
    this.#db = drizzle(pool, { schema });
    this.#contextKey = contextKey;
    this.platform = new PlatformDoor(this.#db);
  }

  /**
   * Connects as the runtime role and checks it before returning: a role
   * that could see past row level security is refused (UNSAFE_RUNTIME_ROLE),
   * and so is a context key the database does not verify
   * (INVALID_CONTEXT_KEY), which would otherwise make every tenant
   * transaction fail.
   */
  static async open(options: OpenDatabaseOptions): Promise<Database> {
    const contextKey = parseContextKey(options.contextKey);
    const pool = new pg.Pool({ connectionString: options.url, max: options.maxConnections ?? 10 });
    // An idle client that loses its server must not crash the process.
    pool.on('error', () => {});
    try {
      const client = await pool.connect();
      client.release();
    } catch (error) {
      await pool.end();
      throw connectionFailure(error, options.url);
    }
    const database = new Database(pool, contextKey);
    try {
      if (options.verifyRole ?? true) await assertSafeRuntimeRole(runnerFor(pool));
      await database.#assertContextKeyVerifies();
    } catch (error) {
      await pool.end();
      throw error;
    }
    return database;
  }

  async #assertContextKeyVerifies(): Promise<void> {
    const probe = 'context-key-check';
    try {
      const result = await this.withTenantIndependently(probe, systemActor('database-open'), (tx) =>
        tx.execute<{ tenant: string | null }>(sql`select (platform.verified_context()).tenant_id as tenant`),
      );
      if (result.rows[0]?.tenant !== probe) throw new Error('the database returned no verified context');
    } catch (error) {
      const cause = (error as { cause?: unknown }).cause ?? error;
      const message = cause instanceof Error ? cause.message : String(cause);
      throw new DbError(
        'INVALID_CONTEXT_KEY',
        `the tenant context key does not verify against this database (${message}); every tenant transaction would fail. ` +
          'Give the server the current key (readContextKey as the owner, or SKILLHUB_CONTEXT_KEY) and run skillhub migrate.',
        { cause: error },
      );
    }
  }

  /** See {@link withTenantOn}. */
  withTenant<T>(tenantId: string, actor: RequestActor, fn: (tx: TenantTx) => Promise<T>): Promise<T> {
    return withTenantOn(this.#db, this.#contextKey, tenantId, actor, fn);
  }

  /**
   * Like withTenant, but always in a transaction of its own, even inside
   * another: for records that must survive the enclosing transaction's
   * rollback (a denied action's security event). Uses a second pooled
   * connection while the outer one is held.
   */
  withTenantIndependently<T>(tenantId: string, actor: RequestActor, fn: (tx: TenantTx) => Promise<T>): Promise<T> {
    return outsideScope(() => withTenantOn(this.#db, this.#contextKey, tenantId, actor, fn));
  }

  /** Seals every finished audit event now; returns how many were sealed. */
  sealAuditEvents(): Promise<number> {
    return sealPendingEvents(this.#db);
  }

  /** Seals until every event committed before the call is sealed (see {@link sealCommittedEvents}). */
  sealCommittedAuditEvents(timeoutMs?: number): Promise<boolean> {
    return sealCommittedEvents(this.#db, timeoutMs);
  }

  /** Seals audit events in the background until stopped (the server runs one). */
  startAuditSealer(options?: { intervalMs?: number; onError?: (error: unknown) => void }): AuditSealer {
    return startAuditSealer(this.#db, options);
  }

  /** True when a trivial query succeeds. */
  async ping(): Promise<boolean> {
    try {
      await this.#pool.query('select 1');
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }
}
