import type { AuditEvent } from '../api/types.ts';
import { shortId } from '../format.ts';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-/i;

/**
 * Who did it, in words: the acting user's name or the API key's name (as
 * the server resolved them), the subject of a security event recorded by
 * a system component (whose sign-in), the owner of the session or account
 * a sign-in event is about, its email when no account matched, or "System".
 */
export function whoOf(event: AuditEvent): string {
  if (event.actorType === 'api_key') return `API key “${event.actorName ?? shortId(event.actorId ?? '')}”`;
  if (event.actorName) return event.actorName;
  if (event.subjectName) return event.subjectName;
  // A sign-in is recorded by the sign-in component, on the session it opened: whose session says who.
  const ownResource = event.resourceKind === 'session' || event.resourceKind === 'user';
  if (event.action.startsWith('auth.') && ownResource && event.resourceName) return event.resourceName;
  if (typeof event.metadata.email === 'string') return event.metadata.email;
  if (event.actorType === 'user' && event.actorId) return `a former user (${shortId(event.actorId)})`;
  return 'System';
}

/** The component that recorded a system event (sign-in, sealer), when it says something. */
export function systemComponentOf(event: AuditEvent): string | null {
  if (event.actorType !== 'system' || !event.actorId || uuid.test(event.actorId)) return null;
  return event.actorId;
}

/**
 * Where a resource lives in the console: its own page for a skill, the
 * list for API keys and sessions, and the audit trail filtered to it
 * otherwise (people and invitations have no page of their own yet).
 */
export function resourceHref(event: AuditEvent): string | null {
  if (!event.resourceId || !event.resourceExists) return null;
  switch (event.resourceKind) {
    case 'skill':
      return `/skills/${encodeURIComponent(event.resourceId)}`;
    case 'api_key':
      return '/api-keys';
    case 'session':
      return '/sessions';
    case 'user':
    case 'invitation':
      return `/audit?${new URLSearchParams({ resourceType: event.resourceType ?? '', resourceId: event.resourceId })}`;
    default:
      return null;
  }
}

/** The resource's name, or a short form of its id. */
export function resourceLabel(event: AuditEvent): string | null {
  if (event.resourceName) {
    return event.resourceKind === 'session' ? `the session of ${event.resourceName}` : event.resourceName;
  }
  if (!event.resourceId) return null;
  return event.resourceKind ? `${event.resourceKind.replace('_', ' ')} ${shortId(event.resourceId)}` : null;
}
