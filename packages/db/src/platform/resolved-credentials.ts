import { type SQL, sql } from 'drizzle-orm';

/** A live session as `platform.resolve_session` and `platform.renew_sessions` return it. */
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

/** A live API key as `platform.resolve_api_key` and `platform.renew_api_keys` return it. */
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

export interface SessionRow extends Record<string, unknown> {
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
}

export interface ApiKeyRow extends Record<string, unknown> {
  tenant_id: string;
  tenant_slug: string;
  key_id: string;
  scopes: string[];
  created_by: string | null;
  tenant_active: boolean;
  expires_ms: string | null;
}

/** The columns of a session row `r`, times as epoch milliseconds. */
export const sessionColumns: SQL = sql`r.tenant_id, r.tenant_slug, r.session_id, r.user_id, r.role, r.mfa_pending,
  r.tenant_active, r.user_active, host(r.last_ip) as last_ip,
  (extract(epoch from r.last_activity_at) * 1000)::bigint as last_activity_ms,
  (extract(epoch from r.idle_timeout) * 1000)::bigint as idle_timeout_ms,
  (extract(epoch from r.expires_at) * 1000)::bigint as expires_ms`;

/** The columns of an API key row `r`, its expiry as epoch milliseconds. */
export const apiKeyColumns: SQL = sql`r.tenant_id, r.tenant_slug, r.key_id, r.scopes, r.created_by, r.tenant_active,
  (extract(epoch from r.expires_at) * 1000)::bigint as expires_ms`;

export const toResolvedSession = (row: SessionRow): ResolvedSession => ({
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
});

export const toResolvedApiKey = (row: ApiKeyRow): ResolvedApiKey => ({
  tenantId: row.tenant_id,
  tenantSlug: row.tenant_slug,
  keyId: row.key_id,
  scopes: row.scopes,
  createdBy: row.created_by,
  tenantActive: row.tenant_active,
  expiresAt: row.expires_ms === null ? null : Number(row.expires_ms),
});
