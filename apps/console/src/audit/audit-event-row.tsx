import { useState } from 'react';
import type { AuditEvent } from '../api/types.ts';
import { formatDateTime, formatTime, shortId } from '../format.ts';
import { Link } from '../router.tsx';
import { actionFamily } from './action-family.ts';
import { EventProof } from './event-proof.tsx';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-/i;

function actorLabel(event: AuditEvent, name: string | undefined): string {
  if (name) return name;
  if (!event.actorId) return event.actorType;
  // System actors are named by the component that acted (sign-up, sealer).
  if (!uuid.test(event.actorId)) return `${event.actorId} (${event.actorType})`;
  return `${event.actorType} ${shortId(event.actorId)}`;
}

/** The one detail worth reading without opening the event. */
function summary(metadata: Record<string, unknown>): string | null {
  if (typeof metadata.version === 'number') return `v${metadata.version}`;
  if (typeof metadata.score === 'number') return `${'★'.repeat(metadata.score)}`;
  if (typeof metadata.to === 'string') return `${String(metadata.from)} → ${metadata.to}`;
  if (typeof metadata.role === 'string') return metadata.role;
  return null;
}

function Resource({ event }: { event: AuditEvent }) {
  if (!event.resourceType) return null;
  const meta = event.metadata;
  const named = typeof meta.slug === 'string' ? meta.slug : typeof meta.name === 'string' ? meta.name : null;
  const label = named ?? (event.resourceId ? shortId(event.resourceId) : '');
  const isSkill = event.resourceType === 'skill' || event.resourceType === 'skills';
  return (
    <span className="resource">
      {event.resourceType}{' '}
      {isSkill && event.resourceId && event.action !== 'skill.deleted' ? (
        <Link to={`/skills/${event.resourceId}`}>{label}</Link>
      ) : (
        <span title={event.resourceId ?? undefined}>{label}</span>
      )}
    </span>
  );
}

/** One event on the timeline: time, action, who did it to what; details on demand. */
export function AuditEventRow({ event, actorName }: { event: AuditEvent; actorName: string | undefined }) {
  const [open, setOpen] = useState(false);
  const family = actionFamily(event.action);
  const details: Record<string, unknown> = {
    ...(Object.keys(event.metadata).length > 0 && { metadata: event.metadata }),
    ...(event.changedFields && { changedFields: event.changedFields }),
    ...(event.oldRecord && { old: event.oldRecord }),
    ...(event.newRecord && { new: event.newRecord }),
  };
  return (
    <li className={`timeline-event family-${family}`} data-action={event.action}>
      <span className="dot" aria-hidden="true" />
      <div className="event-line">
        <time dateTime={event.createdAt} title={formatDateTime(event.createdAt)}>
          {formatTime(event.createdAt)}
        </time>
        <span className="action">{event.action}</span>
        <span className="actor">{actorLabel(event, actorName)}</span>
        <Resource event={event} />
        {summary(event.metadata) && <span className="summary">{summary(event.metadata)}</span>}
        {event.ipAddress && <span className="muted">from {event.ipAddress}</span>}
        <button type="button" className="link-button" aria-expanded={open} onClick={() => setOpen(!open)}>
          {open ? 'Hide' : 'Details'}
        </button>
      </div>
      {open && (
        <div className="event-details">
          <div className="muted small">
            event {event.id}
            {event.requestId && ` · request ${event.requestId}`}
          </div>
          {Object.keys(details).length > 0 && <pre>{JSON.stringify(details, null, 2)}</pre>}
          <EventProof eventId={event.id} />
        </div>
      )}
    </li>
  );
}
