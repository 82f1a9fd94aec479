import { useMemo, useState } from 'react';
import { api } from '../api/client.ts';
import type { ApiKey, AuditEventsPage, User } from '../api/types.ts';
import { groupByDay } from '../audit/action-family.ts';
import { AuditEventRow } from '../audit/audit-event-row.tsx';
import { type ActorOption, AuditFilterBar } from '../audit/audit-filter-bar.tsx';
import { type AuditFilters, apiQuery, filtersFromSearch, searchOf } from '../audit/audit-filters.ts';
import { ChainStatus } from '../audit/chain-status.tsx';
import { ExportLinks } from '../audit/export-links.tsx';
import { ErrorBanner } from '../components/error-banner.tsx';
import { PageHeader } from '../components/layout.tsx';
import { dayKey, formatDay } from '../format.ts';
import { navigate, useLocation } from '../router.tsx';
import { useResource } from '../use-resource.ts';

const pageSize = 100;

/**
 * The workspace's audit trail as a person reads it: newest first, grouped
 * by day, each event a sentence; filtered on the server by what the URL
 * says (so a filtered view can be shared), with the server's count per
 * family, exports of the same view, and the hash chain's banner.
 */
export function AuditTimelinePage() {
  const { search } = useLocation();
  const searchText = search.toString();
  const filters = useMemo(() => filtersFromSearch(new URLSearchParams(searchText)), [searchText]);
  const query = apiQuery(filters);
  const [more, setMore] = useState<{ key: string; pages: AuditEventsPage[] }>({ key: '', pages: [] });
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreError, setMoreError] = useState<unknown>(null);
  const first = useResource(`audit-events?${searchText}`, () =>
    api<AuditEventsPage>('/audit-events', { query: { ...query, limit: pageSize } }),
  );
  const actors = useResource('audit-actors', async (): Promise<ActorOption[]> => {
    const [users, keys] = await Promise.all([
      api<{ users: User[] }>('/users'),
      api<{ apiKeys: ApiKey[] }>('/api-keys'),
    ]);
    return [
      ...users.users.map((u) => ({ id: u.id, label: u.displayName || u.email })),
      ...keys.apiKeys.map((k) => ({ id: k.id, label: `API key “${k.name}”` })),
    ];
  });

  const later = more.key === searchText ? more.pages : [];
  const loaded = first.data ? [first.data, ...later] : [];
  const events = loaded.flatMap((page) => page.events);
  const cursor = loaded.at(-1)?.nextCursor ?? null;
  const groups = groupByDay(events, dayKey);

  const apply = (next: AuditFilters) => navigate(`/audit${searchOf(next)}`);
  const loadMore = async () => {
    if (!cursor) return;
    setLoadingMore(true);
    setMoreError(null);
    try {
      const page = await api<AuditEventsPage>('/audit-events', { query: { ...query, limit: pageSize, cursor } });
      setMore({ key: searchText, pages: [...later, page] });
    } catch (error) {
      setMoreError(error);
    } finally {
      setLoadingMore(false);
    }
  };
  const refresh = () => {
    setMore({ key: '', pages: [] });
    first.reload();
  };
  // Only the answer to the filters shown: while a new filter loads, the last answer's counts under the new
  // family would state a total above rows that are not yet the ones it counts.
  const total =
    first.data?.counts && !first.loading
      ? filters.family
        ? first.data.counts[filters.family]
        : Object.values(first.data.counts).reduce((a, b) => a + b, 0)
      : null;

  return (
    <>
      <PageHeader title="Audit trail">
        <button type="button" onClick={refresh}>
          Refresh
        </button>
      </PageHeader>
      <ChainStatus />
      <AuditFilterBar
        filters={filters}
        counts={first.data?.counts ?? null}
        actors={actors.data ?? []}
        onChange={apply}
      />
      <div className="audit-toolbar">
        <p className="muted" aria-live="polite" data-testid="audit-total">
          {total === null ? 'Counting…' : `${total} ${total === 1 ? 'event matches' : 'events match'}`}
        </p>
        <ExportLinks filters={filters} />
      </div>
      <ErrorBanner error={first.error} />
      {first.loading && !first.data && <p className="muted">Loading…</p>}
      {first.data && events.length === 0 && <p className="muted">No events match these filters.</p>}
      <div className="timeline">
        {groups.map((group) => (
          <section key={group.day} className="timeline-day">
            <h2 className="timeline-day-title">
              {formatDay(group.day)} <span className="muted">{group.events.length} shown</span>
            </h2>
            <ol className="timeline-events">
              {group.events.map((event) => (
                <AuditEventRow key={event.id} event={event} />
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
