import { type ActionFamily, isActionFamily } from './action-family.ts';

/**
 * The audit page's filters as they live in the URL, so that a filtered
 * view can be shared by its address: `/audit?family=people&q=robot`.
 * Dates are local calendar days (`YYYY-MM-DD`), as a date input gives them.
 */
export interface AuditFilters {
  actor: string;
  action: string;
  family: ActionFamily | null;
  resourceType: string;
  resourceId: string;
  /** First day shown, inclusive. */
  from: string;
  /** Last day shown, inclusive. */
  to: string;
  q: string;
  /** Show the row changes recorded for each use of a skill (hidden unless asked). */
  usage: boolean;
}

const textKeys = ['actor', 'action', 'resourceType', 'resourceId', 'from', 'to', 'q'] as const;
const day = /^\d{4}-\d\d-\d\d$/;

export function filtersFromSearch(search: URLSearchParams): AuditFilters {
  const text = (key: (typeof textKeys)[number]) => search.get(key)?.slice(0, 200) ?? '';
  const family = search.get('family');
  return {
    actor: text('actor'),
    action: text('action'),
    family: isActionFamily(family) ? family : null,
    resourceType: text('resourceType'),
    resourceId: text('resourceId'),
    from: day.test(text('from')) ? text('from') : '',
    to: day.test(text('to')) ? text('to') : '',
    q: text('q'),
    usage: search.get('usage') === 'show',
  };
}

/** The page's address for `filters` (empty ones left out). */
export function searchOf(filters: AuditFilters): string {
  const search = new URLSearchParams();
  for (const key of textKeys) if (filters[key]) search.set(key, filters[key]);
  if (filters.family) search.set('family', filters.family);
  if (filters.usage) search.set('usage', 'show');
  const text = search.toString();
  return text ? `?${text}` : '';
}

/** Midnight at the start of a local day, or the last microsecond of it, as the API's ISO instant. */
const dayBound = (value: string, end: boolean) => {
  const [y, m, d] = value.split('-').map(Number);
  const date = new Date(y ?? 1970, (m ?? 1) - 1, (d ?? 1) + (end ? 1 : 0));
  return new Date(date.getTime() - (end ? 1 : 0)).toISOString();
};

/** The API query for `filters` (GET /audit-events and GET /audit/export take the same). */
export function apiQuery(filters: AuditFilters): Record<string, string> {
  const query: Record<string, string> = {};
  for (const key of ['actor', 'action', 'resourceType', 'resourceId'] as const) {
    if (filters[key]) query[key] = filters[key];
  }
  if (filters.q.trim()) query.q = filters.q.trim();
  if (filters.family) query.family = filters.family;
  if (filters.from) query.from = dayBound(filters.from, false);
  if (filters.to) query.to = dayBound(filters.to, true);
  if (!filters.usage) query.hideUsage = 'true';
  return query;
}

export const noFilters: AuditFilters = filtersFromSearch(new URLSearchParams());
