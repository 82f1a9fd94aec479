import type pg from 'pg';
import { DbError } from '../errors.ts';
import { openClient } from '../open-client.ts';
import type { Tenant } from '../schema/tenants.ts';
import type { RequestActor } from '../tenant-context/actor.ts';
import type {
  DeploymentSinkAttemptView,
  DeploymentSinkSettings,
  DeploymentSinkState,
  DeploymentSinkTarget,
} from './deployment-sink-settings.ts';
import { type TenantRow, toTenant } from './tenant-row.ts';

const actorArgument = 'row($1, $2, $3, $4::inet)::platform.actor';
const actorValues = (actor: RequestActor) => [
  actor.actorType,
  actor.actorId,
  actor.requestId ?? null,
  actor.ip ?? null,
];

/**
 * The operator's door: the platform operations the server never performs
 * and its runtime role may not call (migration 0029), run over the owner's
 * connection, the one `skillhub migrate` and `doctor` use. Each is still a
 * SECURITY DEFINER function that records itself with the actor named here.
 */
export class OperatorDoor {
  readonly #client: pg.Client;

  private constructor(client: pg.Client) {
    this.#client = client;
  }

  /**
   * Opens the door as the owner, runs `fn`, closes it.
   *
   * @example
   * const tenants = await OperatorDoor.use(ownerUrl, (door) => door.listTenants(cliActor()));
   */
  static async use<T>(ownerUrl: string, fn: (door: OperatorDoor) => Promise<T>): Promise<T> {
    const client = await openClient(ownerUrl);
    try {
      return await fn(new OperatorDoor(client));
    } finally {
      await client.end().catch(() => {});
    }
  }

  /** Every tenant; recorded in the system chain as tenant.list. */
  async listTenants(actor: RequestActor): Promise<Tenant[]> {
    const result = await this.#client.query<TenantRow>(
      `select * from platform.list_tenants(${actorArgument})`,
      actorValues(actor),
    );
    return result.rows.map(toTenant);
  }

  /**
   * The workspace an audit event belongs to, or null for an unknown event
   * or one of the system chain; recorded in the system chain as
   * tenant.resolve, naming the event and what was found.
   */
  async findEventTenant(eventId: string, actor: RequestActor): Promise<Tenant | null> {
    const result = await this.#client.query<TenantRow>(
      `select * from platform.find_event_tenant(${actorArgument}, $5::uuid)`,
      [...actorValues(actor), eventId],
    );
    return result.rows[0] ? toTenant(result.rows[0]) : null;
  }

  /** Lets a tenant sign in again, or stops it; recorded as tenant.activate / tenant.deactivate in its chain. */
  async setTenantActive(tenantId: string, active: boolean, actor: RequestActor): Promise<Tenant> {
    const result = await this.#client.query<TenantRow>(
      `select * from platform.set_tenant_active(${actorArgument}, $5, $6) where id is not null`,
      [...actorValues(actor), tenantId, active],
    );
    if (!result.rows[0]) throw new DbError('TENANT_NOT_FOUND', `no tenant with id ${tenantId}`);
    return toTenant(result.rows[0]);
  }

  /**
   * Sets the system chain's retention policy (days of system events kept;
   * null keeps them forever) within the deployment's bounds, through
   * `audit.set_system_retention`, which records the change in the system
   * chain as audit.retention_policy_changed (migration 0052).
   */
  async setSystemRetention(
    days: number | null,
    bounds: { minDays: number; maxDays: number | null },
    actor: RequestActor,
  ): Promise<void> {
    await this.#client.query(`select audit.set_system_retention(${actorArgument}, $5, $6, $7)`, [
      ...actorValues(actor),
      days,
      bounds.minDays,
      bounds.maxDays,
    ]);
  }

  /** The system chain's retention policy in days; null when it keeps its events forever. */
  async systemRetentionDays(): Promise<number | null> {
    const { rows } = await this.#client.query<{ days: number | null }>(
      'select audit_retention_days as days from audit.system_retention',
    );
    return rows[0]?.days ?? null;
  }

  /**
   * Sets the deployment sink (replacing one that was set): every chain
   * starts over from `fromLeaf`, unpaused. Recorded in the system chain by
   * change capture, the secret redacted.
   */
  async setDeploymentSink(settings: DeploymentSinkSettings): Promise<void> {
    await this.#client.query('begin');
    try {
      await this.#client.query('delete from platform.deployment_sink_cursors');
      await this.#client.query(
        `insert into platform.deployment_sink (url, format, signing_secret, from_leaf) values ($1, $2, $3, $4)
         on conflict (singleton) do update set url = excluded.url, format = excluded.format,
           signing_secret = excluded.signing_secret, from_leaf = excluded.from_leaf, paused_at = null,
           paused_reason = null, updated_at = now()`,
        [settings.url, settings.format, settings.signingSecret, settings.fromLeaf],
      );
      await this.#client.query('commit');
    } catch (error) {
      await this.#client.query('rollback');
      throw error;
    }
  }

  /**
   * The deployment sink, where each chain stands (delivered and sealed
   * leaf, since when the oldest undelivered event waits) and its latest
   * `attempts` attempts, newest first; null when none is set.
   */
  async showDeploymentSink(attempts = 10): Promise<DeploymentSinkState | null> {
    const sink = await this.#client.query<{
      url: string;
      format: string;
      from_leaf: string;
      paused_at: Date | null;
      paused_reason: string | null;
    }>('select url, format, from_leaf, paused_at, paused_reason from platform.deployment_sink');
    const row = sink.rows[0];
    if (!row) return null;
    // Seal positions are 1-based (leaf i is position i + 1): the first undelivered leaf is position delivered + 2.
    const chains = await this.#client.query<{
      chain: string;
      delivered_through: string;
      sealed_through: string | null;
      failures: number;
      oldest_undelivered: Date | null;
      last_delivered_at: Date | null;
    }>(
      `select c.chain, c.delivered_through, c.failures,
              (select max(s.position) - 1 from audit.seals s where s.chain = c.chain) as sealed_through,
              (select s.sealed_at from audit.seals s where s.chain = c.chain and s.position = c.delivered_through + 2)
                as oldest_undelivered,
              (select max(a.attempted_at) from platform.deployment_sink_attempts a
                where a.chain = c.chain and a.delivered) as last_delivered_at
         from platform.deployment_sink_cursors c order by c.chain`,
    );
    const history = await this.#client.query<{
      attempted_at: Date;
      chain: string | null;
      message_id: string;
      first_leaf: string | null;
      last_leaf: string | null;
      event_count: number;
      status_code: number | null;
      latency_ms: number;
      delivered: boolean;
      error: string | null;
    }>('select * from platform.deployment_sink_attempts order by attempted_at desc, id desc limit $1', [attempts]);
    return {
      url: row.url,
      format: row.format,
      fromLeaf: Number(row.from_leaf),
      pausedAt: row.paused_at,
      pausedReason: row.paused_reason,
      chains: chains.rows.map((c) => ({
        chain: c.chain,
        deliveredThrough: Number(c.delivered_through),
        sealedThrough: c.sealed_through === null ? -1 : Number(c.sealed_through),
        failures: c.failures,
        oldestUndeliveredSealedAt: c.oldest_undelivered,
        lastDeliveredAt: c.last_delivered_at,
      })),
      attempts: history.rows.map((a) => ({
        attemptedAt: a.attempted_at,
        chain: a.chain,
        messageId: a.message_id,
        firstLeaf: a.first_leaf === null ? null : Number(a.first_leaf),
        lastLeaf: a.last_leaf === null ? null : Number(a.last_leaf),
        eventCount: a.event_count,
        statusCode: a.status_code,
        latencyMs: a.latency_ms,
        delivered: a.delivered,
        error: a.error,
      })),
    };
  }

  /** Where the deployment sink sends (its secret still sealed), or null when none is set. */
  async deploymentSinkTarget(): Promise<DeploymentSinkTarget | null> {
    const { rows } = await this.#client.query<{ url: string; format: 'ocsf' | 'jsonl'; signing_secret: string | null }>(
      'select url, format, signing_secret from platform.deployment_sink',
    );
    const row = rows[0];
    return row ? { url: row.url, format: row.format, signingSecret: row.signing_secret } : null;
  }

  /** Appends a test message's outcome to the deployment sink's history (no chain, no leaves). */
  async recordDeploymentSinkTest(
    attempt: Pick<DeploymentSinkAttemptView, 'messageId' | 'statusCode' | 'latencyMs' | 'error'>,
  ): Promise<void> {
    await this.#client.query(
      `insert into platform.deployment_sink_attempts (chain, message_id, event_count, status_code, latency_ms, delivered, error)
       values (null, $1, 0, $2, $3, $4, left($5, 500))`,
      [attempt.messageId, attempt.statusCode, Math.max(0, attempt.latencyMs), attempt.error === null, attempt.error],
    );
  }

  /**
   * Delivers every chain again from `fromLeaf` (or resumes a paused sink
   * where each chain stands, when `fromLeaf` is null); a new generation,
   * and any lease taken from the process holding it. False when no sink is set.
   */
  async replayDeploymentSink(fromLeaf: number | null): Promise<boolean> {
    const sink = await this.#client.query(
      `update platform.deployment_sink set paused_at = null, paused_reason = null, updated_at = now(),
         from_leaf = coalesce($1, from_leaf)`,
      [fromLeaf],
    );
    if (sink.rowCount === 0) return false;
    await this.#client.query(
      `update platform.deployment_sink_cursors
          set delivered_through = coalesce($1::bigint - 1, delivered_through), pending_through = null,
              generation = generation + 1, failures = 0, failing_since = null, next_attempt_at = now(),
              lease_token = null, leased_until = null`,
      [fromLeaf],
    );
    return true;
  }

  /** Removes the deployment sink, its cursors and its delivery history; false when none was set. */
  async removeDeploymentSink(): Promise<boolean> {
    await this.#client.query('delete from platform.deployment_sink_cursors');
    await this.#client.query('delete from platform.deployment_sink_attempts');
    const { rowCount } = await this.#client.query('delete from platform.deployment_sink');
    return (rowCount ?? 0) > 0;
  }
}
