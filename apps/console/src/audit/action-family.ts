import type { AuditEvent } from '../api/types.ts';

/** What an audit action is about; each family has its own colour on the timeline. */
export type ActionFamily = 'access' | 'catalog' | 'people' | 'settings' | 'audit' | 'other';

export const familyLabels: Record<ActionFamily, string> = {
  access: 'Sign-in & sessions',
  catalog: 'Skills & ratings',
  people: 'Users & API keys',
  settings: 'Workspace & settings',
  audit: 'Audit',
  other: 'Other',
};

// Application events are named `<subject>.<verb>` (skill.created); row
// changes captured by triggers `<table>.<operation>` (skills.insert).
const familyBySubject: Record<string, ActionFamily> = {
  auth: 'access',
  session: 'access',
  security: 'access',
  user_sessions: 'access',
  skill: 'catalog',
  skills: 'catalog',
  skill_versions: 'catalog',
  skill_embeddings: 'catalog',
  skill_reviews: 'catalog',
  rating: 'catalog',
  ratings: 'catalog',
  usage_events: 'catalog',
  user: 'people',
  users: 'people',
  api_key: 'people',
  api_keys: 'people',
  settings: 'settings',
  site_settings: 'settings',
  tenant: 'settings',
  tenants: 'settings',
  audit: 'audit',
};

export function actionFamily(action: string): ActionFamily {
  return familyBySubject[action.split('.')[0] ?? ''] ?? 'other';
}

/** A row change captured by a trigger, as opposed to an event the application recorded. */
export const isRowChange = (event: AuditEvent) => event.operation !== null;

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
