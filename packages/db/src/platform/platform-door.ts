import { sql } from 'drizzle-orm';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import { DbError } from '../errors.ts';
import type { SecurityEventType, SecuritySeverity } from '../schema/identity.ts';
import type * as schema from '../schema/index.ts';
import type { Tenant } from '../schema/tenants.ts';
import type { RequestActor } from '../tenant-context/actor.ts';
import { withActorSettings } from './actor-settings.ts';
import {
  type ApiKeyRow,
  apiKeyColumns,
  type ResolvedApiKey,
  type ResolvedSession,
  type SessionRow,
  sessionColumns,
  toResolvedApiKey,
  toResolvedSession,
} from './resolved-credentials.ts';
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
    const result = await this.#db.execute<SessionRow>(
      withActorSettings(
        actor,
        (after) => sql`platform.resolve_session(case when ${after} then ${tokenHash}::text end, ${seen}::timestamptz)`,
        sessionColumns,
      ),
    );
    const row = result.rows[0];
    return row ? toResolvedSession(row) : null;
  }

  /**
   * The live API key behind a key hash, or null (unknown or revoked).
   * Writes nothing: its last use is written behind (see `db.credentials`).
   */
  async resolveApiKey(keyHash: string, actor: RequestActor): Promise<ResolvedApiKey | null> {
    const result = await this.#db.execute<ApiKeyRow>(
      withActorSettings(
        actor,
        (after) => sql`platform.resolve_api_key(case when ${after} then ${keyHash}::text end)`,
        apiKeyColumns,
      ),
    );
    const row = result.rows[0];
    return row ? toResolvedApiKey(row) : null;
  }

  /**
   * Of these sessions, the ones still live, by token hash, in one statement
   * that writes and records nothing: a session past its end or idle timeout
   * is left out, and ended by {@link resolveSession} when next used. Each
   * `seenAt` is judged as resolveSession's. A hash is unique per tenant only: each row names its own.
   */
  async renewSessions(
    sessions: Array<{ tokenHash: string; seenAt?: number }>,
  ): Promise<Array<{ hash: string; session: ResolvedSession }>> {
    const hashes = sessions.map((session) => session.tokenHash);
    const seen = sessions.map((session) =>
      session.seenAt === undefined ? null : new Date(session.seenAt).toISOString(),
    );
    const result = await this.#db.execute<SessionRow & { token_hash: string }>(
      sql`select r.token_hash, ${sessionColumns}
          from platform.renew_sessions(${sql.param(hashes)}::text[], ${sql.param(seen)}::timestamptz[]) r`,
    );
    return result.rows.map((row) => ({ hash: row.token_hash, session: toResolvedSession(row) }));
  }

  /** Of these API keys, the ones still live, with their hashes, in one statement that writes and records nothing. */
  async renewApiKeys(keyHashes: string[]): Promise<Array<{ hash: string; key: ResolvedApiKey }>> {
    const result = await this.#db.execute<ApiKeyRow & { key_hash: string }>(
      sql`select r.key_hash, ${apiKeyColumns} from platform.renew_api_keys(${sql.param(keyHashes)}::text[]) r`,
    );
    return result.rows.map((row) => ({ hash: row.key_hash, key: toResolvedApiKey(row) }));
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
