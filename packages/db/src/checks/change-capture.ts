import { tenantTableNames } from '../schema/index.ts';
import type { SqlRunner } from '../sql-runner.ts';
import { type CheckResult, checkResult } from './tenant-isolation.ts';
import { type ExpectedTrigger, joinTriggerProblems, tableExists, triggerProblems } from './trigger-facts.ts';

/**
 * The triggers `audit.enable_tracking` attaches to a table: three calling the
 * function it generated for that table (named in `audit.tracked_tables`),
 * one the shared truncate capture.
 */
const captureTriggers = (generated: string): ExpectedTrigger[] => [
  { name: 'audit_capture_insert', fn: generated },
  { name: 'audit_capture_update', fn: generated },
  { name: 'audit_capture_delete', fn: generated },
  { name: 'audit_capture_truncate', fn: 'audit.capture_truncate()' },
];

/**
 * Every change to a tenant table lands in the ledger: its four capture
 * triggers are there and enabled, and the generated function still matches
 * the table's columns (a column added, dropped or retyped since would go
 * unrecorded in changed_fields, or fail every UPDATE).
 */
export async function checkChangeCapture(run: SqlRunner): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const name of tenantTableNames) {
    const table = `public.${name}`;
    const fix = `select audit.enable_tracking('${table}');`;
    if (!(await tableExists(run, table))) {
      results.push(
        checkResult('change_capture', table, { detail: 'the tenant table is missing', fix: 'run skillhub migrate' }),
      );
      continue;
    }
    const { rows } = await run<{ fn: string; stale: boolean }>(
      `select pg_catalog.format('audit.%I()', t.function_name) as fn,
              t.columns is distinct from audit.column_signature(t.relid) as stale
       from audit.tracked_tables t where t.relid = to_regclass($1)`,
      [table],
    );
    const tracked = rows[0];
    if (!tracked) {
      results.push(
        checkResult('change_capture', table, { detail: 'the table is not tracked: changes go unrecorded', fix }),
      );
      continue;
    }
    const problems = joinTriggerProblems(
      await triggerProblems(run, table, captureTriggers(tracked.fn)),
      'changes go unrecorded',
    );
    const stale = tracked.stale && {
      detail: 'its columns changed since change capture was generated: regenerate it',
      fix,
    };
    // enable_tracking recreates all four triggers and the function, whichever is missing, off or stale.
    results.push(checkResult('change_capture', table, problems ? { ...problems, fix } : stale || null));
  }
  return results;
}
