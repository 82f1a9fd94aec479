import { readableAction } from './action-phrases.ts';

const show = (value: unknown) =>
  value === null ? 'none' : typeof value === 'string' ? value : JSON.stringify(value, null, 1);

/** An application event's metadata as labelled fields ("Expires at: …"), nested values as JSON. */
export function EventMetadata({ metadata }: { metadata: Record<string, unknown> }) {
  const entries = Object.entries(metadata);
  if (entries.length === 0) return null;
  return (
    <dl className="event-metadata">
      {entries.map(([key, value]) => (
        <div key={key}>
          <dt>{readableAction(key.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase())}</dt>
          <dd>{show(value)}</dd>
        </div>
      ))}
    </dl>
  );
}
