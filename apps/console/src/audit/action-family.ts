import type { AuditEvent, AuditFamilyCounts } from '../api/types.ts';

/** What an audit action is about, as the API groups it (`family` filter, per-family counts). */
export type ActionFamily = keyof AuditFamilyCounts;

export const familyLabels: Record<ActionFamily, string> = {
  access: 'Sign-in & security',
  catalog: 'Skills & ratings',
  people: 'People & access',
  settings: 'Settings & audit',
  changes: 'Row changes',
  other: 'Other',
};

export const actionFamilies = Object.keys(familyLabels) as ActionFamily[];

// The same grouping as the API's (packages/core audit-action-families.ts), to colour a row without asking.
const familyBySubject: Record<string, ActionFamily> = {
  auth: 'access',
  session: 'access',
  security: 'access',
  skill: 'catalog',
  rating: 'catalog',
  review: 'catalog',
  user: 'people',
  invitation: 'people',
  api_key: 'people',
  settings: 'settings',
  tenant: 'settings',
  audit: 'settings',
  data: 'settings',
};

export function familyOf(event: Pick<AuditEvent, 'action' | 'operation'>): ActionFamily {
  if (event.operation !== null) return 'changes';
  return familyBySubject[event.action.split('.')[0] ?? ''] ?? 'other';
}

export const isActionFamily = (value: string | null): value is ActionFamily =>
  value !== null && Object.hasOwn(familyLabels, value);

export interface DayGroup {
  day: string;
  events: AuditEvent[];
}

/** Events (newest first) grouped by local calendar day, keeping their order. */
export function groupByDay(events: AuditEvent[], dayOf: (iso: string) => string): DayGroup[] {
  const groups: DayGroup[] = [];
  for (const event of events) {
    const day = dayOf(event.createdAt);
    const last = groups.at(-1);
    if (last?.day === day) last.events.push(event);
    else groups.push({ day, events: [event] });
  }
  return groups;
}
