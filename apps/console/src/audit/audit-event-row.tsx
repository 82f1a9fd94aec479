import { useState } from 'react';
import type { AuditEvent } from '../api/types.ts';
import { When } from '../components/when.tsx';
import { formatDateTime } from '../format.ts';
import { Link } from '../router.tsx';
import { familyOf } from './action-family.ts';
import { phraseOf, summaryOf } from './action-phrases.ts';
import { ChangeDiff } from './change-diff.tsx';
import { CopyId } from './copy-id.tsx';
import { EventMetadata } from './event-metadata.tsx';
import { resourceHref, resourceLabel, systemComponentOf, whoOf } from './event-people.ts';
import { EventProof } from './event-proof.tsx';

/** The resource's name, linked to where it lives in the console when it still exists. */
function ResourceName({ event }: { event: AuditEvent }) {
  const label = resourceLabel(event);
  if (!label) return null;
  const href = resourceHref(event);
  if (href) {
    return (
      <Link to={href} className="resource">
        {label}
      </Link>
    );
  }
  return (
    <span className="resource" title={event.resourceExists ? undefined : 'No longer exists'}>
      {label}
    </span>
  );
}

/** "Ada signed in", "Ada created the API key <robot>": who, the verb phrase, the resource in place. */
function Sentence({ event }: { event: AuditEvent }) {
  const [before, after] = phraseOf(event).split('{resource}');
  return (
    <span className="sentence">
      <strong className="actor">{whoOf(event)}</strong> {before}
      {after !== undefined && <ResourceName event={event} />}
      {after}
    </span>
  );
}

/** One event on the timeline: who did what to what, from where and when; the details on demand. */
export function AuditEventRow({ event }: { event: AuditEvent }) {
  const [open, setOpen] = useState(false);
  const summary = summaryOf(event.metadata);
  const component = systemComponentOf(event);
  return (
    <li className={`timeline-event family-${familyOf(event)}`} data-action={event.action}>
      <span className="dot" aria-hidden="true" />
      <div className="event-line">
        <Sentence event={event} />
        {summary && <span className="summary">{summary}</span>}
        <span className="event-meta muted">
          <When at={event.createdAt} /> · {formatDateTime(event.createdAt)}
          {event.ipAddress && ` · from ${event.ipAddress}`}
          {component && ` · recorded by ${component}`}
        </span>
        <button type="button" className="link-button" aria-expanded={open} onClick={() => setOpen(!open)}>
          {open ? 'Hide details' : 'Details'}
        </button>
      </div>
      {open && (
        <div className="event-details">
          <div className="muted small">
            <code>{event.action}</code>
            {event.resourceType && ` on ${event.resourceType}`}
          </div>
          {event.operation ? <ChangeDiff event={event} /> : <EventMetadata metadata={event.metadata} />}
          <CopyId label="event" value={event.id} />
          {event.resourceId && <CopyId label={event.resourceType ?? 'resource'} value={event.resourceId} />}
          {event.actorId && <CopyId label={`actor (${event.actorType})`} value={event.actorId} />}
          {event.requestId && <CopyId label="request" value={event.requestId} />}
          <EventProof eventId={event.id} />
        </div>
      )}
    </li>
  );
}
