// The console's names for the API's shapes. Every shape comes from
// schema.gen.ts, which `npm run generate:console-types` generates from the
// API's OpenAPI document (/openapi.json); only the console's own values (the
// option lists below, isAdmin) are written here. The console still talks to
// the API over HTTP only: it imports types, never server code.
import type { components, paths } from './schema.gen.ts';

type Schemas = components['schemas'];

/** The JSON body of a successful GET on `path`, for responses the document does not name. */
type Got<P extends keyof paths> = paths[P] extends {
  get: { responses: { 200: { content: { 'application/json': infer Body } } } };
}
  ? Body
  : never;

/**
 * Returns its argument, which must list each member of the union `T` exactly
 * as the document declares it: a member added to or dropped from the document
 * fails type-checking here, naming the missing one.
 */
const everyMember =
  <T extends string>() =>
  <const L extends readonly T[]>(
    list: L & ([Exclude<T, L[number]>] extends [never] ? unknown : { missing: Exclude<T, L[number]> }),
  ) =>
    list;

export type Role = Schemas['User']['role'];
export type Visibility = Schemas['Skill']['visibility'];
export const visibilities = everyMember<Visibility>()(['private', 'internal', 'public']);

export type Me = Schemas['Me'];
export type SignedIn = Schemas['SignedIn'];
export type NewAccountSignedIn = Schemas['NewAccountSignedIn'];
export type SignUpRequested = Schemas['SignUpRequested'];
export type Skill = Schemas['Skill'];

/** A /search hit. */
export type SearchResult = Got<'/search'>['results'][number];

export type SkillVersion = Schemas['SkillVersion'];
export type UsageStats = Got<'/skills/{ref}/usage'>;
export type AuditEvent = Schemas['NamedAuditEvent'];
export type AuditEventsPage = Schemas['AuditEventsPage'];
export type AuditFamilyCounts = Schemas['AuditFamilyCounts'];
export type AuditTrailStatus = Schemas['AuditTrailStatus'];
export type AuditChainState = Schemas['AuditChainState'];

export type SecurityEvent = Schemas['SecurityEvent'];
export type SecurityEventType = SecurityEvent['eventType'];
export const securityEventTypes = everyMember<SecurityEventType>()([
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
]);

export type Session = Schemas['Session'];
export type ApiKey = Schemas['ApiKey'];
export type ApiKeyScope = Schemas['CreateApiKey']['scopes'][number];
export const apiKeyScopes = everyMember<ApiKeyScope>()(['skills:read', 'skills:write', 'usage:write', 'audit:read']);

export type User = Schemas['User'];
export const roles = everyMember<Role>()(['member', 'admin', 'owner']);
export type Invitation = Schemas['Invitation'];
/** A number setting in force with its default, from GET /settings/effective. */
export type EffectiveSetting = Schemas['EffectiveSetting'];
/** What GET /settings returns: throttle, sessions and the lists are present for admins only. */
export type SiteSettings = Schemas['SiteSettingsView'];
/** The body of PUT /settings, which replaces the whole document. */
export type SiteSettingsUpdate = Schemas['SiteSettings'];

/** Owners and admins: the roles the API lets read the audit trail and security events and manage API keys. */
export const isAdmin = (role: Me['user']['role']) => role === 'admin' || role === 'owner';

export type AuditSink = Schemas['AuditSink'];
export type AuditSinkAttempt = Schemas['AuditSinkAttempt'];
export type SinkFormat = AuditSink['format'];
export const sinkFormats = everyMember<SinkFormat>()(['ocsf', 'jsonl']);

export type RetentionState = Schemas['RetentionState'];
export type LegalHold = Schemas['LegalHold'];
export type RetentionRecord = Schemas['RetentionRecord'];
/** What erasing a person reaches (a dry run) or reached (POST /audit/erasures). */
export type ErasureReport = Schemas['ErasureReport'];
