import type { AuditEvent } from '../api/types.ts';

/**
 * What an event says in words: the verb phrase after who did it, with
 * `{resource}` where the resource's name (and link) goes. One entry per
 * action the ledger records (packages/db audit-actions.ts, the security
 * event types, the tracked tables' row changes); a test checks that none
 * is missing. Anything else falls back to {@link readableAction}.
 */
export const actionPhrases: Record<string, string> = {
  'auth.sign_in': 'signed in',
  'auth.sign_out': 'signed out',
  'auth.sign_in_failed': 'failed to sign in',
  'auth.password_changed': 'changed their password',
  'auth.mfa_enabled': 'turned on two-step sign-in',
  'auth.mfa_disabled': 'turned off two-step sign-in',
  'auth.sign_up_requested': 'asked to sign up',
  'auth.email_verified': 'confirmed their email address',
  'session.terminated': 'ended {resource}',
  'user.invited': 'added {resource} to the workspace',
  'invitation.created': 'invited {resource}',
  'invitation.revoked': 'withdrew the invitation for {resource}',
  'invitation.accepted': 'accepted the invitation for {resource}',
  'user.role_changed': 'changed the role of {resource}',
  'user.deactivated': 'deactivated {resource}',
  'api_key.created': 'created the API key {resource}',
  'api_key.revoked': 'revoked the API key {resource}',
  'skill.created': 'created the skill {resource}',
  'skill.updated': 'edited the skill {resource}',
  'skill.deleted': 'deleted the skill {resource}',
  'skill.merged': 'merged the skill {resource}',
  'skill.version_published': 'published a version of {resource}',
  'rating.created': 'rated {resource}',
  'review.created': 'reviewed {resource}',
  'review.updated': 'updated their review of {resource}',
  'settings.updated': 'changed the workspace settings',
  'audit.verified': 'verified the audit trail’s hash chain',
  'audit.head_signed': 'signed the audit chain’s head',
  'audit.exported': 'exported the audit trail',
  'audit.retention_applied': 'removed expired audit events under a signed retention record',
  'audit.retention_policy_changed': 'changed how long audit events are kept',
  'audit.ledger_month_retired': 'retired a month of the audit ledger under signed retention records',
  'audit.ledger_month_ordered': 'rewrote a closed month of the audit ledger in workspace order, proven identical',
  'legal_hold.placed': 'placed a legal hold',
  'legal_hold.released': 'released a legal hold',
  'subject.erased': "erased a person's personal data (their sealed fields can no longer be read)",
  'data.exported': 'exported data',
  'tenant.created': 'created the workspace',
  'tenant.deactivated': 'deactivated the workspace',
  'tenant.activated': 'reactivated the workspace',
  'audit_sink.created': 'added the audit sink {resource}',
  'audit_sink.updated': 'changed the audit sink {resource}',
  'audit_sink.deleted': 'deleted the audit sink {resource}',
  'audit_sink.tested': 'sent a test message to the audit sink {resource}',
  'audit_sink.replayed': 'replayed the audit sink {resource} from an earlier event',
  'audit_sink.paused': 'paused the audit sink {resource}: its receiver kept failing',
  // Written by the database's platform door and alarms.
  'tenant.create': 'created the workspace',
  'tenant.deactivate': 'deactivated the workspace',
  'tenant.activate': 'reactivated the workspace',
  'tenant.resolve': 'looked up a workspace',
  'tenant.list': 'listed the workspaces',
  'audit.security_controls': 'found a security control switched off',
  // Named by the OCSF export's mapping; recorded by older versions.
  'user.created': 'created the user {resource}',
  'user.activated': 'reactivated {resource}',
  'user.deleted': 'deleted the user {resource}',
  // Security events, recorded with their twin in the ledger; the subject is whose event it is.
  'security.login_success': 'signed in',
  'security.login_failed': 'failed to sign in',
  'security.logout': 'signed out',
  'security.password_changed': 'changed their password',
  'security.mfa_enabled': 'turned on two-step sign-in',
  'security.mfa_disabled': 'turned off two-step sign-in',
  'security.session_terminated': 'had a session ended',
  'security.access_blocked': 'was blocked from signing in',
  'security.blacklist_hit': 'was refused: the address is blocked',
  'security.suspicious_activity': 'set off a suspicious-activity alert',
  'security.permission_denied': 'was refused access',
  'security.data_export': 'exported data',
  // Row changes the triggers captured that read better than "added a row".
  'usage_events.insert': 'recorded a use of {resource}',
  'ratings.insert': 'added a rating',
  'skill_reviews.insert': 'added a review',
  'skill_versions.insert': 'stored a skill version',
  'skill_embeddings.insert': 'indexed a skill for search',
  'skill_embeddings.update': 're-indexed a skill for search',
};

/** The tables whose row changes are captured, as a person calls a row of each. */
export const tableNouns: Record<string, string> = {
  users: 'the user',
  skills: 'the skill',
  skill_versions: 'a skill version',
  ratings: 'a rating',
  usage_events: 'a use of a skill',
  skill_embeddings: 'a skill’s search index',
  skill_reviews: 'a review',
  api_keys: 'the API key',
  site_settings: 'the workspace settings',
  invitations: 'the invitation',
  user_sessions: 'the session',
  tenants: 'the workspace',
  mfa_recovery_codes: 'a recovery code',
  audit_sinks: 'the audit sink',
  deployment_sink: 'the deployment audit sink',
};

const operationVerbs: Record<string, string> = {
  INSERT: 'added',
  UPDATE: 'changed',
  DELETE: 'removed',
  TRUNCATE: 'emptied',
};

/** `skill.version_published` as "skill version published": readable, for an action no phrase covers. */
export const readableAction = (action: string) => action.replace(/[._]+/g, ' ').trim();

/** The verb phrase for an event, with `{resource}` where its resource goes (or none). */
export function phraseOf(event: Pick<AuditEvent, 'action' | 'operation' | 'tableName'>): string {
  const phrase = actionPhrases[event.action];
  if (phrase) return phrase;
  if (event.operation && event.tableName) {
    const verb = operationVerbs[event.operation] ?? event.operation.toLowerCase();
    const noun = tableNouns[event.tableName] ?? `a row of ${readableAction(event.tableName)}`;
    return noun.startsWith('the ') ? `${verb} ${noun} {resource}` : `${verb} ${noun}`;
  }
  return readableAction(event.action);
}

/** The one detail worth reading without opening the event. */
export function summaryOf(metadata: Record<string, unknown>): string | null {
  if (typeof metadata.version === 'number') return `version ${metadata.version}`;
  if (typeof metadata.score === 'number') return `${metadata.score} of 5`;
  if (typeof metadata.from === 'string' && typeof metadata.to === 'string' && !metadata.what) {
    return `${metadata.from} → ${metadata.to}`;
  }
  if (typeof metadata.role === 'string') return `as ${metadata.role}`;
  if (typeof metadata.reason === 'string') return metadata.reason.replaceAll('_', ' ');
  return null;
}
