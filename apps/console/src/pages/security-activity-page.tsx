import { useState } from 'react';
import { type SecurityEvent, type SecurityEventType, securityEventTypes } from '../api/types.ts';
import { BarChart } from '../components/bar-chart.tsx';
import { ErrorBanner } from '../components/error-banner.tsx';
import { PageHeader } from '../components/layout.tsx';
import { TableScroll } from '../components/table-scroll.tsx';
import { When } from '../components/when.tsx';
import { deviceName } from '../device-name.ts';
import { shortId } from '../format.ts';
import { loadSecurityEvents } from '../security/load-security-events.ts';
import { securityEventLabels, spaced } from '../security/security-event-labels.ts';
import { useResource } from '../use-resource.ts';

const days = 30;
const maxEvents = 2_000;
/** Types that mean someone tried what they should not: drawn in red. */
const alarming = new Set<SecurityEventType>(['access_blocked', 'suspicious_activity']);

/** Security events by type as a bar chart, and the events themselves, filterable by type. */
export function SecurityActivityPage() {
  const activity = useResource('security-events', () => loadSecurityEvents(days, maxEvents));
  const [type, setType] = useState<SecurityEventType | ''>('');
  const events = activity.data?.events ?? [];
  const counts = new Map<string, number>();
  for (const event of events) counts.set(event.eventType, (counts.get(event.eventType) ?? 0) + 1);
  const alarms = events.filter((e) => alarming.has(e.eventType)).length;
  const shown = type ? events.filter((e) => e.eventType === type) : events;

  return (
    <>
      <PageHeader title="Security activity">
        <button type="button" onClick={activity.reload} disabled={activity.loading}>
          Refresh
        </button>
      </PageHeader>
      <ErrorBanner error={activity.error} />
      <div className="stat-row">
        <Stat label={`events in ${days} days`} value={events.length} />
        <Stat label="sign-ins" value={counts.get('login_success') ?? 0} />
        <Stat label="failed sign-ins" value={counts.get('login_failed') ?? 0} />
        <Stat label="blocked or suspicious" value={alarms} alert={alarms > 0} />
      </div>
      <section className="panel">
        <h2>By type</h2>
        <BarChart
          title={`Security events by type, last ${days} days`}
          bars={securityEventTypes.map((t) => ({
            id: t,
            label: securityEventLabels[t],
            value: counts.get(t) ?? 0,
            alert: alarming.has(t),
          }))}
          selected={type || null}
          onSelect={(id) => setType(id === type ? '' : (id as SecurityEventType))}
        />
        {activity.data?.truncated && <p className="muted">Showing the newest {maxEvents} events.</p>}
      </section>
      <section className="panel">
        <div className="panel-header">
          <h2>Events</h2>
          <select
            aria-label="Event type"
            value={type}
            onChange={(event) => setType(event.target.value as SecurityEventType | '')}
          >
            <option value="">all types</option>
            {securityEventTypes.map((t) => (
              <option key={t} value={t}>
                {securityEventLabels[t]}
              </option>
            ))}
          </select>
        </div>
        {activity.loading && !activity.data && <p className="muted">Loading…</p>}
        {activity.data && shown.length === 0 && <p className="muted">No events.</p>}
        <TableScroll label="Security events">
          <table className="table" aria-label="Security events">
            <tbody>
              {shown.map((event) => (
                <SecurityEventRow key={event.id} event={event} />
              ))}
            </tbody>
          </table>
        </TableScroll>
      </section>
    </>
  );
}

function Stat({ label, value, alert }: { label: string; value: number; alert?: boolean }) {
  return (
    <div className={alert ? 'stat alert' : 'stat'}>
      <div className="stat-value">{value}</div>
      <div className="stat-label">{label}</div>
    </div>
  );
}

/** One detail in words: a user agent as its browser and system, a snake_case reason spaced out. */
function detailText(key: string, value: unknown): string {
  if (key === 'userAgent' && typeof value === 'string') return `device: ${deviceName(value)}`;
  const shown =
    typeof value === 'string' ? (/^[a-z]+(_[a-z]+)+$/.test(value) ? spaced(value) : value) : JSON.stringify(value);
  return `${spaced(key)}: ${shown}`;
}

function SecurityEventRow({ event }: { event: SecurityEvent }) {
  const details = Object.entries(event.details)
    .map(([key, value]) => detailText(key, value))
    .join(' · ');
  const userAgent = typeof event.details.userAgent === 'string' ? event.details.userAgent : undefined;
  return (
    <tr className={alarming.has(event.eventType) ? 'alarm' : undefined} data-type={event.eventType}>
      <td className="nowrap">
        <When at={event.createdAt} />
      </td>
      <td>
        <span className={`badge severity-${event.severity}`}>{securityEventLabels[event.eventType]}</span>
      </td>
      <td>{event.email ?? (event.userId ? shortId(event.userId) : '')}</td>
      <td className="muted">{event.ipAddress}</td>
      <td className="muted small details" title={userAgent}>
        {details}
      </td>
    </tr>
  );
}
