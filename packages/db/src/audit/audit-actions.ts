/**
 * The closed list of application events. Row changes captured by triggers
 * are named `<table>.<insert|update|delete|truncate>` and are not listed here.
 */
export const auditActions = [
  'auth.sign_in',
  'auth.sign_out',
  'auth.sign_in_failed',
  'auth.password_changed',
  'auth.mfa_enabled',
  'auth.mfa_disabled',
  'auth.sign_up_requested',
  'auth.email_verified',
  'session.terminated',
  'user.invited',
  'invitation.created',
  'invitation.revoked',
  'invitation.accepted',
  'user.role_changed',
  'user.deactivated',
  'user.activated',
  'api_key.created',
  'api_key.revoked',
  'skill.created',
  'skill.updated',
  'skill.deleted',
  'skill.merged',
  'skill.version_published',
  'rating.created',
  'review.created',
  'review.updated',
  'settings.updated',
  'audit.verified',
  'audit.head_signed',
  'audit.exported',
  'subject.erased',
  'audit.retention_applied',
  'audit.retention_policy_changed',
  'legal_hold.placed',
  'legal_hold.released',
  'data.exported',
  'tenant.created',
  'tenant.deactivated',
  'tenant.activated',
  'audit_sink.created',
  'audit_sink.updated',
  'audit_sink.deleted',
  'audit_sink.tested',
  'audit_sink.replayed',
  'audit_sink.paused',
] as const;
export type AuditAction = (typeof auditActions)[number];

export interface AuditEvent {
  action: AuditAction;
  resourceType?: string;
  resourceId?: string;
  metadata?: Record<string, unknown>;
}
