import { sql } from 'drizzle-orm';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import {
  type AuditSealer,
  type AuditSealerOptions,
  sealCommittedEvents,
  sealPendingEvents,
  startAuditSealer,
} from './audit/audit-sealer.ts';
import { type CheckpointSigner, signGrownTrees } from './audit/checkpoints/sign-grown-trees.ts';
import {
  type LedgerMonthOrder,
  type OrderedLedgerMonth,
  orderNextLedgerMonth,
  readLedgerMonthOrder,
} from './audit/ordering/order-ledger-month.ts';
import {
  type EnsureLedgerPartitionsOptions,
  ensureLedgerPartitions,
  type LedgerPartitionMonth,
} from './audit/partitions/ensure-ledger-partitions.ts';
import {
  type PartitionMaintainer,
  type PartitionMaintainerOptions,
  startPartitionMaintainer,
} from './audit/partitions/partition-maintainer.ts';
import type { RetentionBounds } from './audit/retention/apply-retention.ts';
import { type LedgerMonthState, readLedgerMonths } from './audit/retention/ledger-months.ts';
import { reclaimRetiredMonth } from './audit/retention/reclaim-retired-month.ts';
import {
  type MonthRetirement,
  retireOldestLedgerMonth,
  retireOldestSecurityMonth,
} from './audit/retention/retire-ledger-month.ts';
import { assertSafeRuntimeRole } from './checks/runtime-role.ts';
import { classifyDatabaseError, databaseReason } from './classify-database-error.ts';
import { CredentialDoor, defaultCredentialTtlMs } from './credentials/credential-door.ts';
import { CredentialUse, defaultCredentialUseFlushMs } from './credentials/credential-use.ts';
import { DbError } from './errors.ts';
import { connectionFailure } from './open-client.ts';
import { MembershipDoor } from './platform/membership-door.ts';
import { PlatformDoor } from './platform/platform-door.ts';
import { PublicCatalogDoor } from './platform/public-catalog-door.ts';
import * as schema from './schema/index.ts';
import { AuditSinkDoor } from './sinks/audit-sink-door.ts';
import { DeploymentSinkDoor } from './sinks/deployment-sink-door.ts';
import { runSinkDelivery, type SinkDeliveryRunner } from './sinks/sink-delivery-transaction.ts';
import { runnerFor } from './sql-runner.ts';
import {
  type Attempt,
  judgedError,
  reachedElsewhere,
  runAttempt,
  wasJudged,
  watchCheckout,
} from './stale-connection.ts';
import { type RequestActor, systemActor } from './tenant-context/actor.ts';
import { type ContextKey, parseContextKey } from './tenant-context/context-key.ts';
import { outsideScope, type TenantTx } from './tenant-context/context-store.ts';
import { defaultTransactionLimits, type TransactionLimits } from './tenant-context/context-token.ts';
import { isDistributed } from './tenant-context/distributed-binding.ts';
import { DrizzleParts } from './tenant-context/drizzle-parts.ts';
import {
  readsOnly,
  type TenantConnection,
  unfitForReuse,
  type WithTenantOptions,
  type WithTenantSettings,
  withTenantNested,
  withTenantOn,
} from './tenant-context/with-tenant.ts';
import { runWorkerTransaction, type WorkerTx } from './tenant-context/worker-transaction.ts';

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
  /** Longest a statement inside withTenant may run before it is cancelled (see `defaultTransactionLimits`). */
  statementTimeoutMs?: number;
  /** Longest a withTenant transaction may sit idle between statements before the server ends it. */
  idleInTransactionTimeoutMs?: number;
  /**
   * How long a caller waits for a pooled connection (or a new one) before
   * failing with DATABASE_UNREACHABLE; default 5,000 ms. Without a bound a
   * pool whose connections are all stuck makes every request wait forever.
   */
  acquireTimeoutMs?: number;
  /**
   * Resolved API keys and sessions are served from memory for at most this
   * long should a change announcement be missed (default 5,000 ms; 0 turns
   * the cache off). See {@link CredentialDoor}.
   */
  credentialTtlMs?: number;
  /**
   * Where the credential cache LISTENs for changes (default `url`). Behind
   * PgBouncer in transaction mode, give a direct connection: a LISTEN
   * through it is not kept.
   */
  listenUrl?: string;
  /** How often credential use (sessions' activity, keys' last use) is written; default 30,000 ms. */
  credentialUseFlushMs?: number;
  /**
   * Told when background work on credentials fails: writing their use (retried with the next write) or
   * renewing cached ones (each is then resolved on its own at its bound); `what` says which, for a log.
   */
  onBackgroundError?: (error: unknown, what: string) => void;
  /**
   * Told each time a transaction runs again on another connection because the one it was given was lost
   * (`error`, with nothing of the transaction left behind; see withTenantOn): one such per stale pooled
   * connection is expected after a database restart, and a steady stream says connections keep dying.
   */
  onRanAgain?: (error: unknown) => void;
  /** Connections of the audit sink delivery pool, apart from the request pool; default 2. */
  deliveryConnections?: number;
  /**
   * For tests only: every statement inside withTenant that scans a tenant table must name the
   * transaction's tenant (`sameTenant`), else it is refused with UNROUTED_TENANT_QUERY. On Citus
   * that condition is what routes a statement to one shard; the check reads each statement's text,
   * so it stays off in production.
   */
  checkTenantRouting?: boolean;
}

/** How long a caller waits for a pooled connection unless `acquireTimeoutMs` says otherwise. */
const defaultAcquireTimeoutMs = 5_000;

/**
 * A pool whose clients never crash the process when their server goes: the
 * pool handles idle clients ('error' on the pool), but node-postgres removes
 * that listener while a client is checked out. The statement in flight fails
 * on its own, and the pool discards the client when it comes back.
 */
function newPool(url: string, max: number, acquireTimeoutMs = defaultAcquireTimeoutMs): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max, connectionTimeoutMillis: acquireTimeoutMs });
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  // A statement on the pool itself (a platform door's) from inside a transaction's work is work done
  // elsewhere: that transaction is then never run again (runAttempt).
  const query = pool.query.bind(pool);
  pool.query = ((...args: Parameters<typeof query>) => {
    reachedElsewhere();
    return query(...args);
  }) as typeof pool.query;
  return pool;
}

/**
 * The application's handle on PostgreSQL. Tenant data is reachable only
 * through `withTenant`; the few cross-tenant operations through `platform`.
 * The pool itself is never handed out.
 */
export class Database {
  readonly #pool: pg.Pool;
  readonly #db: NodePgDatabase<typeof schema>;
  readonly #tenantSettings: WithTenantSettings;
  /** Drizzle's parts, for transactions on a client checked out here. */
  readonly #drizzle = new DrizzleParts();
  readonly platform: PlatformDoor;
  /** Sign-up requests, their verification and invitations: how accounts come to exist. */
  readonly membership: MembershipDoor;
  /** Public skills, for readers without credentials: read-only, recorded in the workspace's chain. */
  readonly publicCatalog: PublicCatalogDoor;
  /** API keys and sessions resolved on the request path, cached and invalidated by the database. */
  readonly credentials: CredentialDoor;
  readonly #credentialUse: CredentialUse;
  readonly #onRanAgain: (error: unknown) => void;
  readonly #deliveryPool: pg.Pool;
  /** Audit sink delivery: leasing and tenant transactions on a pool of its own. */
  readonly auditSinks: AuditSinkDoor;
  /** The operator's deployment sink: every chain's delivery, on the same pool. */
  readonly deploymentSink: DeploymentSinkDoor;

  private constructor(pool: pg.Pool, contextKey: ContextKey, limits: TransactionLimits, options: OpenDatabaseOptions) {
    this.#pool = pool;
    this.#db = drizzle(pool, { schema });
    this.platform = new PlatformDoor(this.#db);
    this.membership = new MembershipDoor(this.#db);
    this.publicCatalog = new PublicCatalogDoor(this.#db);
    this.#onRanAgain = options.onRanAgain ?? (() => {});
    this.#credentialUse = new CredentialUse(
      this.#db,
      options.credentialUseFlushMs ?? defaultCredentialUseFlushMs,
      options.onBackgroundError ?? (() => {}),
    );
    this.credentials = new CredentialDoor(this.platform, this.#credentialUse, {
      listenUrl: options.listenUrl ?? options.url,
      ttlMs: options.credentialTtlMs ?? defaultCredentialTtlMs,
      onError: options.onBackgroundError,
    });
    this.#tenantSettings = {
      key: contextKey,
      limits,
      tickets: false,
      distributed: false,
      checkTenantRouting: options.checkTenantRouting === true,
      onCredentialChange: (tenantId) => this.credentials.forgetTenant(tenantId),
    };
    this.#deliveryPool = newPool(options.url, options.deliveryConnections ?? 2, options.acquireTimeoutMs);
    const delivering: SinkDeliveryRunner = (fn) =>
      this.#onClientOf(this.#deliveryPool, ({ client }) => runSinkDelivery(client, contextKey, limits, fn));
    this.deploymentSink = new DeploymentSinkDoor(delivering);
    this.auditSinks = new AuditSinkDoor(delivering, (tenantId, actor, fn) =>
      outsideScope(() =>
        this.#onClientOf(this.#deliveryPool, (connection) =>
          withTenantOn(connection, this.#tenantSettings, tenantId, actor, fn),
        ),
      ),
    );
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
    const pool = newPool(options.url, options.maxConnections ?? 10, options.acquireTimeoutMs);
    try {
      const client = await pool.connect();
      client.release();
    } catch (error) {
      await pool.end();
      throw connectionFailure(error, options.url);
    }
    const database = new Database(
      pool,
      contextKey,
      {
        statementTimeoutMs: options.statementTimeoutMs ?? defaultTransactionLimits.statementTimeoutMs,
        idleInTransactionTimeoutMs:
          options.idleInTransactionTimeoutMs ?? defaultTransactionLimits.idleInTransactionTimeoutMs,
      },
      options,
    );
    try {
      if (options.verifyRole ?? true) await assertSafeRuntimeRole(runnerFor(pool));
      await database.#chooseBinding();
      await database.#assertContextKeyVerifies();
    } catch (error) {
      await database.close();
      throw error;
    }
    return database;
  }

  /**
   * How tenant transactions are bound. Tickets (migration 0060) spare every tenant transaction on a
   * direct connection BEGIN's round trip; a database that does not issue them yet (a server started
   * before `skillhub migrate`) keeps the bound BEGIN of 0034 for every transaction; a Citus
   * coordinator binds each to its distributed transaction (0069), which the workers check too.
   */
  async #chooseBinding(): Promise<void> {
    const { rows } = await this.#pool.query<{ issued: boolean }>(
      "select to_regclass('platform.context_ticket') is not null as issued",
    );
    this.#tenantSettings.distributed = await isDistributed(this.#pool);
    // A ticket is the coordinator session's sequence, which no worker can read: none on Citus.
    this.#tenantSettings.tickets = rows[0]?.issued === true && !this.#tenantSettings.distributed;
  }

  async #assertContextKeyVerifies(): Promise<void> {
    const probe = 'context-key-check';
    try {
      const result = await this.withTenantIndependently(probe, systemActor('database-open'), (tx) =>
        tx.execute<{ tenant: string | null }>(sql`select (platform.verified_context()).tenant_id as tenant`),
      );
      if (result.rows[0]?.tenant !== probe) throw new Error('the database returned no verified context');
    } catch (error) {
      throw new DbError(
        'INVALID_CONTEXT_KEY',
        `the tenant context key does not verify against this database (${databaseReason(error)}); every tenant transaction would fail. ` +
          'Give the server the current key (readContextKey as the owner, or SKILLHUB_CONTEXT_KEY) and run skillhub migrate.',
        { cause: error },
      );
    }
  }

  /** See {@link withTenantOn} and {@link WithTenantOptions}. */
  async withTenant<T>(
    tenantId: string,
    actor: RequestActor,
    fn: (tx: TenantTx) => Promise<T>,
    options?: WithTenantOptions,
  ): Promise<T> {
    // Nested: a savepoint on the caller's connection.
    return await (withTenantNested(tenantId, fn) ??
      this.#onOwnClient(
        (connection) => withTenantOn(connection, this.#tenantSettings, tenantId, actor, fn, options),
        readsOnly(options ?? {}, this.#tenantSettings),
      ));
  }

  /**
   * Like withTenant, but always in a transaction of its own, even inside
   * another: for records that must survive the enclosing transaction's
   * rollback (a denied action's security event). Uses a second pooled
   * connection while the outer one is held. A withTenant that calls it is
   * never run again on another connection (see withTenantOn): what this
   * committed would be committed twice.
   */
  withTenantIndependently<T>(tenantId: string, actor: RequestActor, fn: (tx: TenantTx) => Promise<T>): Promise<T> {
    return outsideScope(() =>
      this.#onOwnClient((connection) => withTenantOn(connection, this.#tenantSettings, tenantId, actor, fn)),
    );
  }

  /**
   * Runs `fn` on a client checked out here and always gives it back. Not
   * left to Drizzle's transaction() on the pool: it sends BEGIN before its
   * try/finally, so a BEGIN that fails (a connection that died while idle
   * in the pool, as PostgreSQL restarts) never released its client, and
   * each such failure shrank the pool for good. A client whose connection
   * was lost is destroyed, not pooled: it may not know yet that its socket
   * is closed.
   */
  #onOwnClient<T>(fn: (connection: TenantConnection) => Promise<T>, readOnly = false): Promise<T> {
    return this.#onClientOf(this.#pool, fn, readOnly);
  }

  /**
   * `fn` on a connection of `pool`, run again on another when the one it was given is lost (connections
   * the server ended while idle, as in a restart, stay in the pool until the client reads their closing):
   * up to the pool's size while the server acknowledged nothing (watchCheckout), as each idle connection
   * may be such a one; and once more after an answer where the transaction is READ ONLY (`readOnly`), since
   * nothing it did can have stayed. Never once `fn` reached the database through another connection
   * (runAttempt), and never past the time a caller may wait for a connection.
   */
  async #onClientOf<T>(pool: pg.Pool, fn: (connection: TenantConnection) => Promise<T>, readOnly = false): Promise<T> {
    // This checkout is database work of the attempt that encloses it, if any.
    reachedElsewhere();
    let ranAgainAfterAnswer = false;
    const started = performance.now();
    // Found dead at once, as a stale connection is: a failure that took longer (a pooler's queue timing out,
    // with no answer either) is not tried again past the time a caller may wait for a connection.
    const retryWithinMs = pool.options.connectionTimeoutMillis ?? defaultAcquireTimeoutMs;
    for (let attempt = 1; ; attempt += 1) {
      const client = await pool.connect().catch((error: unknown) => Promise.reject(judgedError(error)));
      const answered = watchCheckout(client);
      const run: Attempt = { elsewhere: false };
      let discard = false;
      try {
        return await runAttempt(run, () => fn({ client, drizzle: this.#drizzle }));
      } catch (error) {
        const lost = !wasJudged(error) && classifyDatabaseError(error)?.code === 'DATABASE_UNREACHABLE';
        // On a Citus coordinator a session whose transaction failed is not trusted again (found: after a
        // retention plan failed in Citus's planner, the session ran every later delegated call on the coordinator
        // itself, where the shards it names do not exist).
        discard = this.#tenantSettings.distributed || lost;
        const afterAnswer = answered();
        const again =
          lost &&
          !run.elsewhere &&
          attempt <= (pool.options.max ?? 10) &&
          performance.now() - started < retryWithinMs &&
          (!afterAnswer || (readOnly && !ranAgainAfterAnswer));
        if (!again) throw judgedError(error);
        ranAgainAfterAnswer ||= afterAnswer;
        this.#onRanAgain(error);
      } finally {
        // A connection whose session holds a prepared statement the driver did not make, or whose transaction could
        // not be ended and cleaned up, is closed, not pooled.
        client.release(discard || unfitForReuse(client));
      }
    }
  }

  /** Seals every finished audit event now; returns how many were sealed. */
  sealAuditEvents(): Promise<number> {
    return sealPendingEvents(this.#db);
  }

  /** Seals until every event committed before the call is sealed (see {@link sealCommittedEvents}). */
  sealCommittedAuditEvents(timeoutMs?: number): Promise<boolean> {
    return sealCommittedEvents(this.#db, timeoutMs);
  }

  /** Seals audit events in the background until stopped, signing checkpoints when given a signer (the server runs one). */
  startAuditSealer(options?: AuditSealerOptions): AuditSealer {
    return startAuditSealer(this.#db, options);
  }

  /** Signs a checkpoint of every tree that grew since its last one, now (see {@link signGrownTrees}). */
  signAuditCheckpoints(signer: CheckpointSigner, onError?: (error: unknown, chain: string) => void): Promise<number> {
    return signGrownTrees(this.#db, signer, onError);
  }

  /**
   * The active workspaces that set an audit retention policy (ids only,
   * through `audit.tenants_with_retention`): what the server's retention
   * loop visits, each then in its own `withTenant`.
   */
  async tenantsWithRetention(): Promise<string[]> {
    const { rows } = await this.#db.execute<{ id: string }>(sql`select audit.tenants_with_retention() as id`);
    return rows.map((row) => row.id);
  }

  /**
   * Runs `fn` in one transaction under the context the server signs for its
   * retention run (claim `ledger-retention`, migration 0052): the only
   * context the month retirement doors answer.
   */
  ledgerRetention<T>(fn: (tx: WorkerTx) => Promise<T>): Promise<T> {
    const { key, limits } = this.#tenantSettings;
    return outsideScope(() =>
      this.#onOwnClient(({ client }) => runWorkerTransaction(client, key, 'ledger-retention', limits, fn)),
    );
  }

  /**
   * Retires the ledger's months, oldest first, while every chain with events
   * in the oldest allows it (audit_logs, then security_events), each month in
   * a transaction of its own; stops at the first month that stays and
   * reports it (see {@link retireOldestLedgerMonth}). Then frees the disk
   * of the months it set aside, and of any an interrupted run left (see
   * {@link reclaimRetiredLedgerMonths}). With `dryRun`, plans the oldest
   * month of each table only.
   */
  async retireLedgerMonths(
    signer: CheckpointSigner,
    bounds: RetentionBounds,
    options: { dryRun?: boolean } = {},
  ): Promise<MonthRetirement[]> {
    const outcomes: MonthRetirement[] = [];
    for (const retire of [retireOldestLedgerMonth, retireOldestSecurityMonth]) {
      for (;;) {
        const outcome = await this.ledgerRetention((tx) => retire(tx, signer, bounds, options));
        if (!outcome) break;
        outcomes.push(outcome);
        if (outcome.status !== 'retired') break;
      }
    }
    if (!options.dryRun) await this.reclaimRetiredLedgerMonths();
    return outcomes;
  }

  /**
   * Drops the months retirement set aside, one per transaction (migration
   * 0057), and returns their names. A retired month left the ledger in the
   * door's transaction; dropping it frees its files, which takes time
   * proportional to its size and locks nothing the ledger needs.
   */
  async reclaimRetiredLedgerMonths(): Promise<string[]> {
    const reclaimed: string[] = [];
    for (;;) {
      const month = await this.ledgerRetention(reclaimRetiredMonth);
      if (month === null) return reclaimed;
      reclaimed.push(month);
    }
  }

  /** The ledger's month partitions and whether each can leave now (see {@link readLedgerMonths}). */
  ledgerMonths(signer: CheckpointSigner, bounds: RetentionBounds): Promise<LedgerMonthState[]> {
    return this.ledgerRetention((tx) => readLedgerMonths(tx, signer, bounds));
  }

  /**
   * Makes sure the ledger has its partitions for this month and the months
   * ahead (see {@link ensureLedgerPartitions}); as the runtime role, for the
   * present only.
   */
  ensureLedgerPartitions(options?: Omit<EnsureLedgerPartitionsOptions, 'at'>): Promise<LedgerPartitionMonth[]> {
    return ensureLedgerPartitions(runnerFor(this.#pool), options);
  }

  /**
   * Rewrites the oldest closed month of `audit_logs` not yet in tenant order
   * (migration 0056; see {@link orderNextLedgerMonth}) in one transaction
   * under the retention run's signed context; null when none is left.
   */
  orderNextLedgerMonth(): Promise<OrderedLedgerMonth | null> {
    return this.ledgerRetention((tx) => orderNextLedgerMonth(tx));
  }

  /** Each month of `audit_logs`, closed or not, in tenant order or not (under the retention run's context). */
  ledgerMonthOrder(): Promise<LedgerMonthOrder[]> {
    return this.ledgerRetention((tx) => readLedgerMonthOrder(tx));
  }

  /**
   * Makes sure of the ledger's partitions now and every hour until stopped,
   * each round then ordering at most one closed month (the server runs one).
   */
  startPartitionMaintainer(options?: PartitionMaintainerOptions): PartitionMaintainer {
    return startPartitionMaintainer(() => this.ensureLedgerPartitions(), {
      orderMonth: () => this.orderNextLedgerMonth(),
      ...options,
    });
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

  /** Writes the credential use noted so far now, instead of at the next interval. */
  flushCredentialUse(): Promise<void> {
    return this.#credentialUse.flush();
  }

  /** Stops listening, writes the credential use still pending, and closes the pool. */
  async close(): Promise<void> {
    await this.credentials.close();
    await this.#credentialUse.close();
    await this.#deliveryPool.end();
    await this.#pool.end();
  }
}
