import type pg from 'pg';
import { DbError } from '../errors.ts';
import { openClient } from '../open-client.ts';
import type { Tenant } from '../schema/tenants.ts';
import type { RequestActor } from '../tenant-context/actor.ts';
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
}
