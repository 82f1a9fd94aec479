import { sameTenant, sql, type TenantTx } from '@skillhub/db';
import { uuidPattern } from '../pagination/cursor.ts';
import type { AuditEventView } from './audit-event-query.ts';

/** The kinds of thing an event can name that the console can show and link to. */
export type NamedKind = 'user' | 'api_key' | 'skill' | 'session' | 'invitation';

/** Resource types as the ledger writes them (an application event's noun, or a captured table's name). */
const kindOfResourceType: Record<string, NamedKind> = {
  user: 'user',
  users: 'user',
  api_key: 'api_key',
  api_keys: 'api_key',
  skill: 'skill',
  skills: 'skill',
  session: 'session',
  user_sessions: 'session',
  invitation: 'invitation',
  invitations: 'invitation',
};

/** An event with the names of who acted and on what, for a person to read. */
export interface NamedAuditEvent extends AuditEventView {
  /** The acting user's display name (or email) or the API key's name; null for a system actor. */
  actorName: string | null;
  /**
   * The user the event is about when the metadata names one (`user_id`): a
   * security event's subject, recorded by a system component (whose sign-in).
   */
  subjectName: string | null;
  /** What `resourceType` is, when the console knows the kind. */
  resourceKind: NamedKind | null;
  /** The resource's name now, or as the event recorded it when it is gone; null when neither is known. */
  resourceName: string | null;
  /** Whether the resource still exists in this workspace (so a link to it leads somewhere). */
  resourceExists: boolean;
}

/** A system actor whose id is a user's (a security event's subject) is named after that user. */
function actorKind(event: AuditEventView): NamedKind | null {
  if (!event.actorId || !uuidPattern.test(event.actorId)) return null;
  if (event.actorType === 'api_key') return 'api_key';
  return 'user';
}

/** The `user_id` a security event (or another) carries in its metadata. */
function subjectId(event: AuditEventView): string | null {
  const id = event.metadata.user_id;
  return typeof id === 'string' && uuidPattern.test(id) ? id : null;
}

function resourceKind(event: AuditEventView): NamedKind | null {
  return event.resourceType ? (kindOfResourceType[event.resourceType] ?? null) : null;
}

/** A name the event itself carries, for a resource that has since gone (a deleted skill). */
function recordedName(event: AuditEventView): string | null {
  for (const source of [event.metadata, event.oldRecord, event.newRecord]) {
    if (!source) continue;
    for (const field of ['name', 'display_name', 'slug', 'email']) {
      const value = source[field];
      if (typeof value === 'string' && value !== '') return value;
    }
  }
  return null;
}

const key = (kind: NamedKind, id: string) => `${kind}:${id.toLowerCase()}`;

/**
 * Names the actors and resources of a page of events with one query, in
 * the caller's withTenant transaction: the row policies of users, api_keys,
 * skills, user_sessions and invitations hide every other tenant's rows, so
 * an id that belongs elsewhere (forged into the ledger, say) resolves to
 * nothing.
 */
export async function resolveAuditNames(tx: TenantTx, events: AuditEventView[]): Promise<NamedAuditEvent[]> {
  const wanted: Record<NamedKind, Set<string>> = {
    user: new Set(),
    api_key: new Set(),
    skill: new Set(),
    session: new Set(),
    invitation: new Set(),
  };
  for (const event of events) {
    const actor = actorKind(event);
    if (actor && event.actorId) wanted[actor].add(event.actorId.toLowerCase());
    const subject = subjectId(event);
    if (subject) wanted.user.add(subject.toLowerCase());
    const resource = resourceKind(event);
    if (resource && event.resourceId && uuidPattern.test(event.resourceId)) {
      wanted[resource].add(event.resourceId.toLowerCase());
    }
  }
  const names = new Map<string, string>();
  if (Object.values(wanted).some((ids) => ids.size > 0)) {
    const ids = (kind: NamedKind) => JSON.stringify([...wanted[kind]]);
    const among = (kind: NamedKind) => sql`(select value::uuid from jsonb_array_elements_text(${ids(kind)}::jsonb))`;
    const { rows } = await tx.execute<{ kind: NamedKind; id: string; name: string }>(sql`
      select 'user' as kind, id::text as id, coalesce(nullif(display_name, ''), email) as name
        from users where ${sameTenant('users')} and id in ${among('user')}
      union all select 'api_key', id::text, name from api_keys where ${sameTenant('api_keys')} and id in ${among('api_key')}
      union all select 'skill', id::text, name from skills where ${sameTenant('skills')} and id in ${among('skill')}
      union all select 'session', s.id::text, coalesce(nullif(u.display_name, ''), u.email, 'a user')
        from user_sessions s left join users u on ${sameTenant('u')} and u.tenant_id = s.tenant_id and u.id = s.user_id
        where ${sameTenant('s')} and s.id in ${among('session')}
      union all select 'invitation', id::text, email from invitations where ${sameTenant('invitations')} and id in ${among('invitation')}`);
    for (const row of rows) names.set(key(row.kind, row.id), row.name);
  }
  return events.map((event) => {
    const actor = actorKind(event);
    const kind = resourceKind(event);
    const subject = subjectId(event);
    const current = kind && event.resourceId ? names.get(key(kind, event.resourceId)) : undefined;
    return {
      ...event,
      actorName: actor && event.actorId ? (names.get(key(actor, event.actorId)) ?? null) : null,
      subjectName: subject ? (names.get(key('user', subject)) ?? null) : null,
      resourceKind: kind,
      resourceName: current ?? (kind ? recordedName(event) : null),
      resourceExists: current !== undefined,
    };
  });
}
