import { useState } from 'react';
import { api } from '../api/client.ts';
import type { ApiKey, AuditEvent, AuditTrailStatus, User } from '../api/types.ts';
import { type ActionFamily, actionFamily, familyLabels, groupByDay, isRowChange } from '../audit/action-family.ts';
import { AuditEventRow } from '../audit/audit-event-row.tsx';
import { ChainStatus } from '../audit/chain-status.tsx';
import { ErrorBanner } from '../components/error-banner.tsx';
import { PageHeader } from '../components/layout.tsx';
import { dayKey, formatDay } from '../format.ts';
import { toggled } from '../toggled.ts';
import { useResource } from '../use-resource.ts';

const pageSize = 200;
type Page = { events: AuditEvent[]; nextCursor: string | null };

/** The workspace's audit trail as a timeline, newest first, grouped by day and coloured by family. */
export function AuditTimelinePage() {
  const [pages, setPages] = useState<Page[]>([]);
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreError, setMoreError] = useState<unknown>(null);
  const [rowChanges, setRowChanges] = useState(false);
  const [hidden, setHidden] = useState<Set<ActionFamily>>(new Set());
  const first = useResource('audit-events', () => api<Page>('/audit-events', { query: { limit: pageSize } }));
  const verify = useResource('audit-verify', () => api<AuditTrailStatus>('/audit/verify'));
  const people = useResource('audit-actors', async () => {
    const [users, keys] = await Promise.all([
      api<{ users: User[] }>('/users'),
      api<{ apiKeys: ApiKey[] }>('/api-keys'),
    ]);
    const names = new Map<string, string>();
    for (const user of users.users) names.set(user.id, user.displayName || user.email);
    for (const key of keys.apiKeys) names.set(key.id, `API key “${key.name}”`);
    return names;
  });

  const loaded = first.data ? [first.data, ...pages] : [];
  const events = loaded.flatMap((page) => page.events);
  const cursor = loaded.at(-1)?.nextCursor ?? null;
  const shown = events.filter((e) => (rowChanges || !isRowChange(e)) && !hidden.has(actionFamily(e.action)));
  const groups = groupByDay(shown, dayKey);
  const counts = new Map<ActionFamily, number>();
  for (const e of events)
    if (rowChanges || !isRowChange(e))
      counts.set(actionFamily(e.action), (counts.get(actionFamily(e.action)) ?? 0) + 1);

  const loadMore = async () => {
    if (!cursor) return;
    setLoadingMore(true);
    setMoreError(null);
    try {
      const page = await api<Page>('/audit-events', { query: { limit: pageSize, cursor } });
      setPages((previous) => [...previous, page]);
    } catch (error) {
      setMoreError(error);
    } finally {
      setLoadingMore(false);
    }
  };
  const refresh = () => {
    setPages([]);
    first.reload();
  };

  return (
    <>
      <PageHeader title="Audit trail">
        <button type="button" onClick={refresh}>
          Refresh
        </button>
      </PageHeader>
      <ChainStatus status={verify.data} onVerify={verify.reload} busy={verify.loading} />
      <ErrorBanner error={verify.error} />
      <fieldset className="legend">
        <legend className="visually-hidden">Show or hide families</legend>
        {(Object.keys(familyLabels) as ActionFamily[]).map((family) => (
          <button
            key={family}
            type="button"
            className={`legend-item family-${family}${hidden.has(family) ? ' off' : ''}`}
            aria-pressed={!hidden.has(family)}
            onClick={() => setHidden((previous) => toggled(previous, family))}
          >
            <span className="swatch" aria-hidden="true" />
            {familyLabels[family]} <span className="muted">{counts.get(family) ?? 0}</span>
          </button>
        ))}
        <label className="checkbox">
          <input type="checkbox" checked={rowChanges} onChange={(e) => setRowChanges(e.target.checked)} />
          Row changes
        </label>
      </fieldset>
      <ErrorBanner error={first.error} />
      {first.loading && !first.data && <p className="muted">Loading…</p>}
      {first.data && shown.length === 0 && <p className="muted">No events to show.</p>}
      <div className="timeline">
        {groups.map((group) => (
          <section key={group.day} className="timeline-day">
            <h2 className="timeline-day-title">
              {formatDay(group.day)} <span className="muted">{group.events.length} events</span>
            </h2>
            <ol className="timeline-events">
              {group.events.map((event) => (
                <AuditEventRow key={event.id} event={event} actorName={people.data?.get(event.actorId ?? '')} />
              ))}
            </ol>
          </section>
        ))}
      </div>
      <ErrorBanner error={moreError} />
      {cursor && (
        <button type="button" onClick={() => void loadMore()} disabled={loadingMore}>
          {loadingMore ? 'Loading…' : 'Load older events'}
        </button>
      )}
    </>
  );
}
