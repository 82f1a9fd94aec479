import { sql } from 'drizzle-orm';
import type { RequestActor } from '../tenant-context/actor.ts';
import type { TenantTx } from '../tenant-context/context-store.ts';
import type { SinkDeliveryRunner } from './sink-delivery-transaction.ts';

/** One sink leased to this process: deliver it, then give the lease back by its token. */
export interface AuditSinkLease {
  tenantId: string;
  sinkId: string;
  leaseToken: string;
}

/** Runs a tenant transaction on the delivery pool. */
export type DeliveryTenantRunner = <T>(
  tenantId: string,
  actor: RequestActor,
  fn: (tx: TenantTx) => Promise<T>,
) => Promise<T>;

/**
 * The audit sink delivery worker's way into the database, on a pool of its
 * own (`deliveryConnections`, default 2): however slow a receiver or large a
 * backlog, delivery never takes a connection a request is waiting for.
 *
 * `lease` is the one cross-tenant step of a delivery
 * (platform.lease_audit_sinks, SKIP LOCKED, so processes never share a
 * sink); everything else a delivery reads or writes goes through
 * `withTenant`, under the sink's tenant's row policies. `pruneHistory`
 * bounds every sink's delivery history (platform.prune_sink_history).
 * Both run under the delivery worker's signed context, the only one those
 * functions answer (migration 0051).
 */
export class AuditSinkDoor {
  readonly #delivering: SinkDeliveryRunner;
  readonly withTenant: DeliveryTenantRunner;

  constructor(delivering: SinkDeliveryRunner, withTenant: DeliveryTenantRunner) {
    this.#delivering = delivering;
    this.withTenant = withTenant;
  }

  /** Leases up to `maxSinks` due sinks with sealed events past their cursor, for `leaseSeconds`. */
  async lease(maxSinks: number, leaseSeconds: number): Promise<AuditSinkLease[]> {
    const { rows } = await this.#delivering((tx) =>
      tx.execute<{ tenant_id: string; sink_id: string; lease_token: string }>(
        sql`select tenant_id, sink_id, lease_token from platform.lease_audit_sinks(${maxSinks}::integer, ${leaseSeconds}::integer)`,
      ),
    );
    return rows.map((r) => ({ tenantId: r.tenant_id, sinkId: r.sink_id, leaseToken: r.lease_token }));
  }

  /**
   * Removes delivery history (every tenant sink's and the deployment
   * sink's) older than `keepDays`, and all but the newest `keepPerSink`
   * attempts of each sink and chain; returns how many rows went. The
   * database refuses less than a day or 100 attempts.
   */
  async pruneHistory(keepDays: number, keepPerSink: number): Promise<number> {
    const { rows } = await this.#delivering((tx) =>
      tx.execute<{ removed: string }>(
        sql`select platform.prune_sink_history(${keepDays}::integer, ${keepPerSink}::integer) as removed`,
      ),
    );
    return Number(rows[0]?.removed ?? 0);
  }
}
