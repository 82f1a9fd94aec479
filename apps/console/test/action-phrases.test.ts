// Every action the ledger records reads as a sentence in the console: the
// application's closed list, the security event types, the platform door's
// actions and every tracked table's row changes.
import { auditActions, securityEventTypes } from '@skillhub/db';
import { createTestDatabase, type TestDatabase } from '@skillhub/db/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { actionPhrases, phraseOf, readableAction, tableNouns } from '../src/audit/action-phrases.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db?.drop());

const appEvent = (action: string) => ({ action, operation: null, tableName: null });

describe('the phrasing table', () => {
  test('covers every application action and security event type', () => {
    const missing = [...auditActions, ...securityEventTypes.map((type) => `security.${type}`)].filter(
      (action) => !actionPhrases[action],
    );
    expect(missing).toEqual([]);
  });

  test('covers the actions the database writes itself (platform door, alarms)', async () => {
    const { rows } = await db.ownerQuery<{ action: string }>(
      `select distinct m[1] as action
       from pg_proc p, regexp_matches(p.prosrc, '(?<!to_regclass\\()''((?:tenant|audit|security)\\.[a-z_]+)''', 'g') m
       where p.pronamespace in ('platform'::regnamespace, 'audit'::regnamespace)
         -- A quoted name of a table (the alarm's watched tables), or one asked of to_regclass (a table the
         -- Citus conversion makes), is not an action.
         and to_regclass(m[1]) is null`,
    );
    const actions = rows.map((r) => r.action).filter((a) => !a.startsWith('audit.seals'));
    expect(actions.length).toBeGreaterThan(0);
    expect(actions.filter((a) => !actionPhrases[a] && !a.startsWith('security.'))).toEqual([]);
  });

  test('names every tracked table, so each row change reads as a sentence', async () => {
    const { rows } = await db.ownerQuery<{ name: string }>(
      // The ledger names a row change's table by its bare name (audit_logs.table_name), whatever its schema.
      'select c.relname::text as name from audit.tracked_tables t join pg_class c on c.oid = t.relid order by 1',
    );
    expect(rows.length).toBeGreaterThan(5);
    expect(rows.map((r) => r.name).filter((name) => !tableNouns[name])).toEqual([]);
    expect(phraseOf({ action: 'skills.update', operation: 'UPDATE', tableName: 'skills' })).toBe(
      'changed the skill {resource}',
    );
    expect(phraseOf({ action: 'usage_events.insert', operation: 'INSERT', tableName: 'usage_events' })).toBe(
      'recorded a use of {resource}',
    );
  });

  test('an unknown action falls back to a readable form of its name', () => {
    expect(phraseOf(appEvent('billing.plan_changed'))).toBe('billing plan changed');
    expect(readableAction('x__y..z')).toBe('x y z');
    expect(phraseOf({ action: 'widgets.delete', operation: 'DELETE', tableName: 'widgets' })).toBe(
      'removed a row of widgets',
    );
  });
});
