import { type SQL, sql } from '@skillhub/db';

/**
 * What an audit event is about. Application events are named
 * `<subject>.<verb>` (skill.created) and grouped by their subject; every
 * row change captured by a trigger (`<table>.<operation>`) is `changes`.
 */
export const auditActionFamilies = ['access', 'catalog', 'people', 'settings', 'changes', 'other'] as const;
export type AuditActionFamily = (typeof auditActionFamilies)[number];

/** The subjects of application events, by family (`changes` and `other` have none). */
export const familySubjects: Record<Exclude<AuditActionFamily, 'changes' | 'other'>, readonly string[]> = {
  access: ['auth', 'session', 'security'],
  catalog: ['skill', 'rating', 'review'],
  people: ['user', 'invitation', 'api_key'],
  settings: ['settings', 'tenant', 'audit', 'data'],
};

/** The row change the console hides unless asked: one per use of a skill, most of a busy ledger. */
export const usageNoiseAction = 'usage_events.insert';

const subjectList = (subjects: readonly string[]) =>
  sql.join(
    subjects.map((s) => sql`${s}`),
    sql`, `,
  );

/**
 * The family of the ledger row in scope, as SQL (`operation` and `action`
 * are its columns), so that filtering and counting by family happen in the
 * database over every matching event, not over a page.
 */
export const familyOfRow: SQL = sql`(case
  when operation is not null then 'changes'
  when split_part(action, '.', 1) in (${subjectList(familySubjects.access)}) then 'access'
  when split_part(action, '.', 1) in (${subjectList(familySubjects.catalog)}) then 'catalog'
  when split_part(action, '.', 1) in (${subjectList(familySubjects.people)}) then 'people'
  when split_part(action, '.', 1) in (${subjectList(familySubjects.settings)}) then 'settings'
  else 'other' end)`;
