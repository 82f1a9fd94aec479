import { sql } from 'drizzle-orm';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import { DbError } from '../errors.ts';
import type { SecurityEventType, SecuritySeverity } from '../schema/identity.ts';
import type * as schema from '../schema/index.ts';
import type { Tenant } from '../schema/tenants.ts';
import type { RequestActor } from '../tenant-context/actor.ts';
import { withActorSettings } from './actor-settings.ts';
import { type TenantRow, toTenant } from './tenant-row.ts';

export interface CreateTenantInput {
  name: string;
  slug: string;
  domain?: string | null;
  plan?: Tenant['plan'];
}

/** The caller as the platform functions take it: `platform.actor`. */
const asActor = (actor: RequestActor) =>
  sql`row(${actor.actorType}, ${actor.actorId}, ${actor.requestId ?? null}, ${actor.ip ?? null}::inet)::platform.actor`;

/**
 * The explicit door for the few operations that cross tenants. Each method
 * calls one SECURITY DEFINER function, which writes its own audit record,
 * and names its caller: the actor (a user, an API key, or a component such
 * as `cli` or `sign-up`), the request id and the IP go into every record
 * the operation leaves, in the system chain or in the tenant's.
 */
export class PlatformDoor {
  readonly #db: NodePgDatabase<typeof schema>;

  constructor(db: NodePgDatabase<typeof schema>) {
    this.#db = db;
  }

  /** Creates a tenant; recorded as tenant.create in its own chain. */
  async createTenant(input: CreateTenantInput, actor: RequestActor): Promise<Tenant> {
    try {
      const result = await this.#db.execute<TenantRow>(
        sql`select * from platform.create_tenant(${asActor(actor)}, ${input.name}, ${input.slug}, ${input.domain ?? null}, ${input.plan ?? 'free'})`,
      );
      return toTenant(firstRow(result.rows));
    } catch (error) {
      throw translateTenantError(error, input.slug);
    }
  }

  /** The tenant with this slug; the lookup is recorded in the system chain. */
  async findTenantBySlug(slug: string, actor: RequestActor): Promise<Tenant | null> {
    const result = await this.#db.execute<TenantRow>(
      sql`select * from platform.find_tenant(${asActor(actor)}, slug => ${slug})`,
    );
    return result.rows[0] ? toTenant(result.rows[0]) : null;
  }

  /** The tenant whose sign-ups come from this email domain; recorded in the system chain. */
  async findTenantByDomain(domain: string, actor: RequestActor): Promise<Tenant | null> {
    const result = await this.#db.execute<TenantRow>(
      sql`select * from platform.find_tenant(${asActor(actor)}, domain => ${domain})`,
    );
    return result.rows[0] ? toTenant(result.rows[0]) : null;
  }

  /**
   * Ids of the tenants holding a TOTP secret that does not start with
   * `currentKeyPrefix` (plain, or sealed under an older key): one statement
   * however many tenants there are, ids only, recorded in the system chain.
   */
  async tenantsWithStaleMfaSecrets(currentKeyPrefix: string, actor: RequestActor): Promise<string[]> {
    const result = await this.#db.execute<{ id: string }>(
      sql`select id from platform.tenants_with_stale_mfa_secrets(${asActor(actor)}, ${currentKeyPrefix}) as id`,
    );
    return result.rows.map((row) => row.id);
  }

  /**
   * The live session behind a token hash, or null (unknown, ended, or
   * expired just now: that ending is recorded in the session's tenant).
   * `seenAt` (epoch ms) is activity the caller saw and has not written yet:
   * the idle timeout is judged on the later of it and the stored activity.
   */
  async resolveSession(tokenHash: string, actor: RequestActor, seenAt?: number): Promise<ResolvedSession | null> {
    const seen = seenAt === undefined ? null : new Date(seenAt).toISOString();
    const result = await this.#db.execute<{
      tenant_id: string;
      tenant_slug: string;
      session_id: string;
      user_id: string;
      role: ResolvedSession['role'];
      mfa_pending: boolean;
      tenant_active: boolean;
      user_active: boolean;
      last_ip: string | null;
      last_activity_ms: string;
      idle_timeout_ms: string;
      expires_ms: string;
    }>(
      withActorSettings(
        actor,
        (after) => sql`platform.resolve_session(case when ${after} then ${tokenHash}::text end, ${seen}::timestamptz)`,
        sql`r.tenant_id, r.tenant_slug, r.session_id, r.user_id, r.role, r.mfa_pending, r.tenant_active,
          r.user_active, host(r.last_ip) as last_ip,
          (extract(epoch from r.last_activity_at) * 1000)::bigint as last_activity_ms,
          (extract(epoch from r.idle_timeout) * 1000)::bigint as idle_timeout_ms,
          (extract(epoch from r.expires_at) * 1000)::bigint as expires_ms`,
      ),
    );
    const row = result.rows[0];
    return row
      ? {
          tenantId: row.tenant_id,
          tenantSlug: row.tenant_slug,
          sessionId: row.session_id,
          userId: row.user_id,
          role: row.role,
          mfaPending: row.mfa_pending,
          tenantActive: row.tenant_active,
          userActive: row.user_active,
          lastIp: row.last_ip,
          lastActivityAt: Number(row.last_activity_ms),
          idleTimeoutMs: Number(row.idle_timeout_ms),
          expiresAt: Number(row.expires_ms),
        }
      : null;
  }

  /**
   * The live API key behind a key hash, or null (unknown or revoked).
   * Writes nothing: its last use is written behind (see `db.credentials`).
   */
  async resolveApiKey(keyHash: string, actor: RequestActor): Promise<ResolvedApiKey | null> {
    const result = await this.#db.execute<{
      tenant_id: string;
      tenant_slug: string;
      key_id: string;
      scopes: string[];
      created_by: string | null;
      tenant_active: boolean;
      expires_ms: string | null;
    }>(
      withActorSettings(
        actor,
        (after) => sql`platform.resolve_api_key(case when ${after} then ${keyHash}::text end)`,
        sql`r.tenant_id, r.tenant_slug, r.key_id, r.scopes, r.created_by, r.tenant_active,
          (extract(epoch from r.expires_at) * 1000)::bigint as expires_ms`,
      ),
    );
    const row = result.rows[0];
    return row
      ? {
          tenantId: row.tenant_id,
          tenantSlug: row.tenant_slug,
          keyId: row.key_id,
          scopes: row.scopes,
          createdBy: row.created_by,
          tenantActive: row.tenant_active,
          expiresAt: row.expires_ms === null ? null : Number(row.expires_ms),
        }
      : null;
  }

  /**
   * Records a security event that belongs to no tenant (the system chain):
   * an attempt that never reached a workspace, such as a sign-in to one
   * that does not exist. Events of a tenant are recorded inside its
   * `withTenant` (logSecurityEvent); attempts on another tenant's resource
   * or host through recordForeignProbe and recordHostMismatch.
   */
  async logSecurityEvent(
    event: {
      type: SecurityEventType;
      severity?: SecuritySeverity;
      email?: string | null;
      ip?: string | null;
      details?: Record<string, unknown>;
    },
    actor: RequestActor,
  ): Promise<void> {
    await this.#db.execute(
      withActorSettings(
        actor,
        (after) => sql`platform.log_system_security_event(
          (case when ${after} then ${event.type} end)::public.security_event_type,
          ${event.severity ?? 'info'}::public.security_severity, ${event.email ?? null}, ${event.ip ?? null}::inet,
          ${JSON.stringify(event.details ?? {})}::jsonb)`,
      ),
    );
  }

  /**
   * Records a refused API key before any tenant is known. The caller names
   * what was presented (its SHA-256 and its `sk_<prefix>_` prefix, never the
   * key); the database finds the key's workspace itself, records the refusal
   * there (revoked, deactivated workspace, wrong secret for a real prefix)
   * or as a system event, and counts repeats instead of recording each.
   */
  async recordApiKeyRejection(rejection: {
    keyHash: string;
    prefix: string | null;
    ip: string | null;
    requestId: string;
  }): Promise<void> {
    await this.#db.execute(sql`select platform.record_api_key_rejection(
      ${rejection.keyHash}, ${rejection.prefix}, ${rejection.ip}::inet, ${rejection.requestId})`);
  }

  /** Like {@link recordApiKeyRejection}, for a session cookie named by its token's SHA-256. */
  async recordSessionRejection(rejection: { tokenHash: string; ip: string | null; requestId: string }): Promise<void> {
    await this.#db.execute(sql`select platform.record_session_rejection(
      ${rejection.tokenHash}, ${rejection.ip}::inet, ${rejection.requestId})`);
  }
}

export interface ResolvedSession {
  tenantId: string;
  tenantSlug: string;
  sessionId: string;
  userId: string;
  role: 'owner' | 'admin' | 'member';
  mfaPending: boolean;
  tenantActive: boolean;
  userActive: boolean;
  /** The address the session was last used from (host form), or null. */
  lastIp: string | null;
  /** Epoch ms: the activity the idle timeout was judged on. */
  lastActivityAt: number;
  idleTimeoutMs: number;
  /** Epoch ms: the absolute end of the session. */
  expiresAt: number;
}

export interface ResolvedApiKey {
  tenantId: string;
  tenantSlug: string;
  keyId: string;
  scopes: string[];
  createdBy: string | null;
  tenantActive: boolean;
  /** When the key stops working (epoch milliseconds), or null when it never does. */
  expiresAt: number | null;
}

const firstRow = <T>(rows: T[]): T => {
  const row = rows[0];
  if (!row) throw new Error('expected one row');
  return row;
};

const translateTenantError = (error: unknown, slug: string): unknown => {
  const cause = (error as { cause?: { code?: string; constraint?: string } }).cause ?? error;
  const pgError = cause as { code?: string; constraint?: string };
  if (pgError.code === '23505') {
    return new DbError('TENANT_SLUG_TAKEN', `a tenant with slug "${slug}" (or that domain) already exists`, { cause });
  }
  if (pgError.code === '23514') {
    return new DbError(
      'INVALID_INPUT',
      `tenant slug must be lower-case letters, digits and single hyphens (got "${slug}")`,
      { cause },
    );
  }
  return error;
};
