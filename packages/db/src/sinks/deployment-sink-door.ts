import { sql } from 'drizzle-orm';
import type { SinkDeliveryRunner } from './sink-delivery-transaction.ts';

/** One chain of the deployment sink leased to this process, with the sink it goes to. */
export interface DeploymentChainLease {
  /** A tenant id, or '' for the system chain. */
  chain: string;
  leaseToken: string;
  url: string;
  format: 'ocsf' | 'jsonl';
  /** Sealed by the server (https sinks only). */
  signingSecret: string | null;
}

/** A leased chain's next batch, pinned until settled. */
export interface DeploymentBatch {
  generation: number;
  failures: number;
  failingSince: string | null;
  events: Array<{ leafIndex: number; event: Record<string, unknown> }>;
  checkpoint: { treeSize: number; note: string } | null;
}

/** One delivery attempt of a deployment batch, as its history records it. */
export interface DeploymentAttempt {
  /** The webhook-id, or the syslog batch's name (chain, generation, leaves). */
  messageId: string;
  firstLeaf: number;
  lastLeaf: number;
  eventCount: number;
  statusCode: number | null;
  latencyMs: number;
  /** Null when the receiver took the batch. */
  error: string | null;
}

/**
 * The delivery worker's way to the deployment sink (migration 0040), on the
 * delivery pool. The runtime role can neither read nor change the sink's
 * tables; it calls SECURITY DEFINER functions: lease chains (SKIP
 * LOCKED), read a leased chain's batch, and settle it with its attempt
 * (migration 0050), each in a transaction under the delivery worker's
 * signed context, the only one those functions answer (migration 0051).
 */
export class DeploymentSinkDoor {
  readonly #delivering: SinkDeliveryRunner;

  constructor(delivering: SinkDeliveryRunner) {
    this.#delivering = delivering;
  }

  /** Up to `maxChains` due chains with sealed events past their cursor; none while no sink is set or it is paused. */
  async lease(maxChains: number, leaseSeconds: number): Promise<DeploymentChainLease[]> {
    const { rows } = await this.#delivering((tx) =>
      tx.execute<{
        chain: string;
        lease_token: string;
        url: string;
        format: 'ocsf' | 'jsonl';
        signing_secret: string | null;
      }>(sql`select * from platform.lease_deployment_chains(${maxChains}::integer, ${leaseSeconds}::integer)`),
    );
    return rows.map((r) => ({
      chain: r.chain,
      leaseToken: r.lease_token,
      url: r.url,
      format: r.format,
      signingSecret: r.signing_secret,
    }));
  }

  /** The next batch under `leaseToken`, or null (lease lost, sink paused or removed, caught up). */
  async readBatch(chain: string, leaseToken: string, batchSize: number): Promise<DeploymentBatch | null> {
    const { rows } = await this.#delivering((tx) =>
      tx.execute<{ batch: DeploymentBatch | null }>(
        sql`select platform.read_deployment_batch(${chain}, ${leaseToken}::uuid, ${batchSize}::integer) as batch`,
      ),
    );
    return rows[0]?.batch ?? null;
  }

  /**
   * Moves the cursor after a success (`attempt.error` null) or schedules the
   * retry, and appends the attempt to the sink's history, in one
   * statement and only while the lease holds; pauses the sink once the
   * chain has failed for `pauseAfterMs` (recorded in the system chain).
   * Returns whether it paused the sink.
   */
  async settle(
    lease: DeploymentChainLease,
    attempt: DeploymentAttempt,
    retryMs: number,
    pauseAfterMs: number,
  ): Promise<boolean> {
    const { rows } = await this.#delivering((tx) =>
      tx.execute<{ paused: boolean }>(
        sql`select platform.settle_deployment_attempt(${lease.chain}, ${lease.leaseToken}::uuid, ${attempt.messageId},
            ${attempt.firstLeaf}::bigint, ${attempt.lastLeaf}::bigint, ${attempt.eventCount}::integer,
            ${attempt.statusCode}::integer, ${attempt.latencyMs}::integer, ${attempt.error}::text,
            ${retryMs / 1000}::double precision, ${pauseAfterMs / 1000}::double precision) as paused`,
      ),
    );
    return rows[0]?.paused === true;
  }
}
