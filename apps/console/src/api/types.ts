// The API's response shapes, as /openapi.json describes them. The console
// talks to the API over HTTP only; it never imports server code.

export type Role = 'owner' | 'admin' | 'member';
export const visibilities = ['private', 'internal', 'public'] as const;
export type Visibility = (typeof visibilities)[number];

export interface Me {
  user: { id: string; email: string; displayName: string; role: Role; mfaEnabled: boolean };
  tenant: { id: string; slug: string; name: string };
  sessionId: string;
}

export interface SignedIn {
  userId: string;
  tenantId: string;
  mfaRequired: boolean;
  expiresAt: string;
}

export interface Skill {
  id: string;
  slug: string;
  name: string;
  description: string;
  tags: string[];
  authorId: string | null;
  visibility: Visibility;
  latestVersion: number;
  rating: { count: number; average: number | null };
  content?: string;
  createdAt: string;
  updatedAt: string;
}

export interface SearchResult {
  id: string;
  slug: string;
  name: string;
  description: string;
  tags: string[];
  rank: number;
  /** ts_headline output: matches wrapped in <b>…</b>; never rendered as HTML. */
  headline: string;
}

export interface SkillVersion {
  id: string;
  version: number;
  changelog: string;
  createdBy: string | null;
  createdAt: string;
}

export interface UsageStats {
  total: number;
  buckets: { start: string; uses: number }[];
}

export interface AuditEvent {
  id: string;
  actorType: string;
  actorId: string | null;
  action: string;
  resourceType: string | null;
  resourceId: string | null;
  ipAddress: string | null;
  requestId: string | null;
  metadata: Record<string, unknown>;
  operation: string | null;
  tableName: string | null;
  oldRecord: Record<string, unknown> | null;
  newRecord: Record<string, unknown> | null;
  changedFields: string[] | null;
  createdAt: string;
}

export interface AuditTrailStatus {
  intact: boolean;
  events: number;
  head: { position: number; hash: string } | null;
  unsealed: number;
  break: { kind: string; position: number | null; eventId: string | null; detail: string } | null;
}

export const securityEventTypes = [
  'login_success',
  'login_failed',
  'logout',
  'password_changed',
  'mfa_enabled',
  'mfa_disabled',
  'session_terminated',
  'access_blocked',
  'blacklist_hit',
  'suspicious_activity',
  'permission_denied',
  'data_export',
] as const;
export type SecurityEventType = (typeof securityEventTypes)[number];

export interface SecurityEvent {
  id: string;
  eventType: SecurityEventType;
  severity: string;
  userId: string | null;
  email: string | null;
  ipAddress: string | null;
  sessionId: string | null;
  details: Record<string, unknown>;
  createdAt: string;
}

export interface Session {
  id: string;
  current: boolean;
  userAgent: string | null;
  ipAddress: string | null;
  lastIp: string | null;
  location: string | null;
  createdAt: string;
  lastActivityAt: string;
  expiresAt: string;
}

export const apiKeyScopes = ['skills:read', 'skills:write', 'usage:write', 'audit:read'] as const;

export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  createdBy: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
  createdAt: string;
}

export interface User {
  id: string;
  email: string;
  displayName: string;
  role: Role;
  isActive: boolean;
}

export interface SiteSettings {
  displayName: string;
  logoUrl: string | null;
  defaultVisibility: Visibility;
  /** Present for admins only. */
  throttle?: {
    maxFailuresPerEmail?: number;
    maxFailuresPerIp?: number;
    sharedIpAccounts?: number;
    windowMinutes?: number;
  };
  sessions?: { idleTimeoutMinutes?: number; absoluteTimeoutHours?: number };
  blocklist?: { ips: string[]; emails: string[] };
  allowlist?: { ips: string[] };
}

/** Owners and admins: the roles the API lets read the audit trail and security events and manage API keys. */
export const isAdmin = (role: Role) => role === 'admin' || role === 'owner';
