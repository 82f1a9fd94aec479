import type { SecurityEventType } from '../api/types.ts';

/** Each security event type as a person says it; the raw type stays in data attributes and the API. */
export const securityEventLabels: Record<SecurityEventType, string> = {
  login_success: 'Signed in',
  login_failed: 'Failed sign-in',
  logout: 'Signed out',
  password_changed: 'Password changed',
  mfa_enabled: 'Two-factor turned on',
  mfa_disabled: 'Two-factor turned off',
  session_terminated: 'Session ended',
  access_blocked: 'Access blocked',
  blacklist_hit: 'Blocklist match',
  suspicious_activity: 'Suspicious activity',
  permission_denied: 'Permission denied',
  data_export: 'Data exported',
};

/** A detail's key in words (`retryAfterSeconds` → `retry after seconds`), a snake_case value likewise. */
export const spaced = (text: string): string =>
  text
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replaceAll('_', ' ')
    .toLowerCase();
