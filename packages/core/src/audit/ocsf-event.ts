import type { AuditEventView } from './audit-event-query.ts';

/** The OCSF schema version the export follows. */
export const ocsfVersion = '1.1.0';

type OcsfClass = { uid: 3001 | 3002 | 6003; name: string; categoryUid: 3 | 6; categoryName: string };

const authentication: OcsfClass = {
  uid: 3002,
  name: 'Authentication',
  categoryUid: 3,
  categoryName: 'Identity & Access Management',
};
const accountChange: OcsfClass = {
  uid: 3001,
  name: 'Account Change',
  categoryUid: 3,
  categoryName: 'Identity & Access Management',
};
const apiActivity: OcsfClass = {
  uid: 6003,
  name: 'API Activity',
  categoryUid: 6,
  categoryName: 'Application Activity',
};

/** Actions with a fixed class and activity; the rest are classified by their prefix and verb below. */
const known: Record<string, [OcsfClass, number, string]> = {
  'auth.sign_in': [authentication, 1, 'Logon'],
  'security.login_success': [authentication, 1, 'Logon'],
  'auth.sign_in_failed': [authentication, 1, 'Logon'],
  'security.login_failed': [authentication, 1, 'Logon'],
  'auth.sign_out': [authentication, 2, 'Logoff'],
  'security.logout': [authentication, 2, 'Logoff'],
  // Signed in to the account, but what changes is the account itself.
  'auth.password_changed': [accountChange, 3, 'Password Change'],
  'security.password_changed': [accountChange, 3, 'Password Change'],
  'auth.mfa_enabled': [accountChange, 10, 'MFA Factor Enable'],
  'security.mfa_enabled': [accountChange, 10, 'MFA Factor Enable'],
  'auth.mfa_disabled': [accountChange, 11, 'MFA Factor Disable'],
  'security.mfa_disabled': [accountChange, 11, 'MFA Factor Disable'],
  'user.invited': [accountChange, 1, 'Create'],
  'user.created': [accountChange, 1, 'Create'],
  'user.activated': [accountChange, 2, 'Enable'],
  'user.deactivated': [accountChange, 5, 'Disable'],
  'user.deleted': [accountChange, 6, 'Delete'],
  'api_key.created': [accountChange, 1, 'Create'],
  'api_key.revoked': [accountChange, 5, 'Disable'],
};

const apiVerbs: [RegExp, number, string][] = [
  [/\.(created|insert)$/, 1, 'Create'],
  [/\.(exported|verified|read)$/, 2, 'Read'],
  [/\.(updated|update|merged|version_published|role_changed)$/, 3, 'Update'],
  [/\.(deleted|delete|truncate|revoked|terminated)$/, 4, 'Delete'],
];

/** The OCSF class and activity of a ledger action (Authentication 3002, Account Change 3001, else API Activity 6003). */
export function classifyAction(action: string): { ocsfClass: OcsfClass; activityId: number; activityName: string } {
  const fixed = known[action];
  if (fixed) return { ocsfClass: fixed[0], activityId: fixed[1], activityName: fixed[2] };
  if (action.startsWith('auth.')) return { ocsfClass: authentication, activityId: 99, activityName: 'Other' };
  const ocsfClass =
    action.startsWith('user.') || action.startsWith('api_key.') || /^security\.mfa_/.test(action)
      ? accountChange
      : apiActivity;
  const verb = ocsfClass === apiActivity ? apiVerbs.find(([pattern]) => pattern.test(action)) : undefined;
  return { ocsfClass, activityId: verb?.[1] ?? 99, activityName: verb?.[2] ?? 'Other' };
}

const severityIds: Record<string, number> = { info: 1, low: 2, medium: 3, high: 4, critical: 5 };
const failures = new Set([
  'auth.sign_in_failed',
  'security.login_failed',
  'security.permission_denied',
  'security.access_blocked',
  'security.blacklist_hit',
]);
const actorTypes: Record<string, [number, string]> = {
  user: [1, 'User'],
  system: [3, 'System'],
  api_key: [99, 'API Key'],
};

const text = (value: unknown) => (typeof value === 'string' ? value : undefined);

/**
 * One ledger event as an OCSF 1.1.0 event: the class, activity and type
 * ids, time in epoch milliseconds, the actor, the source IP, the tenant
 * (`metadata.tenant_uid`) and, under `unmapped`, the original event as the
 * other export formats carry it.
 */
export function toOcsfEvent(event: AuditEventView): Record<string, unknown> {
  const { ocsfClass, activityId, activityName } = classifyAction(event.action);
  const meta = event.metadata;
  const failed = failures.has(event.action);
  const [actorTypeId, actorTypeName] = actorTypes[event.actorType] ?? [99, 'Other'];
  const subjectUser = {
    uid: text(meta.user_id) ?? (event.resourceType === 'user' ? event.resourceId : null) ?? event.actorId ?? undefined,
    email_addr: text(meta.email),
  };
  return {
    category_uid: ocsfClass.categoryUid,
    category_name: ocsfClass.categoryName,
    class_uid: ocsfClass.uid,
    class_name: ocsfClass.name,
    activity_id: activityId,
    activity_name: activityName,
    type_uid: ocsfClass.uid * 100 + activityId,
    type_name: `${ocsfClass.name}: ${activityName}`,
    time: Date.parse(event.createdAt),
    severity_id: severityIds[text(meta.severity) ?? 'info'] ?? 1,
    status_id: failed ? 2 : 1,
    status: failed ? 'Failure' : 'Success',
    message: event.action,
    actor: { user: { uid: event.actorId ?? undefined, type_id: actorTypeId, type: actorTypeName } },
    src_endpoint: { ip: event.ipAddress ?? undefined },
    ...(ocsfClass === apiActivity
      ? {
          api: { operation: event.action, request: { uid: event.requestId ?? undefined } },
          resources: event.resourceType ? [{ type: event.resourceType, uid: event.resourceId ?? undefined }] : [],
        }
      : { user: subjectUser }),
    ...(ocsfClass === authentication && { session: { uid: text(meta.session_id) } }),
    metadata: {
      version: ocsfVersion,
      product: { name: 'Skillhub', vendor_name: 'Skillhub' },
      uid: event.id,
      tenant_uid: event.tenantId,
      correlation_uid: event.requestId ?? undefined,
      logged_time: Date.parse(event.createdAt),
    },
    unmapped: event,
  };
}
