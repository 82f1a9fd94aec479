import { tenantTableNames } from '../schema/index.ts';
import type { SqlRunner } from '../sql-runner.ts';
import { type CheckResult, checkResult } from './tenant-isolation.ts';
import { type ExpectedTrigger, joinTriggerProblems, tableExists, triggerProblems } from './trigger-facts.ts';

/**
 * The triggers `audit.enable_tracking` attaches to a public table: three
 * calling the function it generated for that table
 * (`audit.capture_<schema>__<table>`), one the shared truncate capture.
 */
export const captureTriggers = (table: string): ExpectedTrigger[] => {
  const generated = `audit.capture_public__${table}()`;
  return [
    { name: 'audit_capture_insert', fn: generated },
    { name: 'audit_capture_update', fn: generated },
    { name: 'audit_capture_delete', fn: generated },
    { name: 'audit_capture_truncate', fn: 'audit.capture_truncate()' },
  ];
};

/** Every change to a tenant table lands in the ledger: its four capture triggers are there and enabled. */
export async function checkChangeCapture(run: SqlRunner): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const name of tenantTableNames) {
    const table = `public.${name}`;
    if (!(await tableExists(run, table))) {
      results.push(
        checkResult('change_capture', table, { detail: 'the tenant table is missing', fix: 'run skillhub migrate' }),
      );
      continue;
    }
    const problems = joinTriggerProblems(
      await triggerProblems(run, table, captureTriggers(name)),
      'changes go unrecorded',
    );
    // enable_tracking recreates all four, whichever is missing or off.
    results.push(
      checkResult(
        'change_capture',
        table,
        problems && { ...problems, fix: `select audit.enable_tracking('${table}');` },
      ),
    );
  }
  return results;
}
