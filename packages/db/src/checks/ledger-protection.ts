import type { SqlRunner } from '../sql-runner.ts';
import { type CheckResult, checkResult } from './tenant-isolation.ts';
import { type ExpectedTrigger, joinTriggerProblems, tableExists, triggerProblems } from './trigger-facts.ts';

const rejectChange = 'audit.reject_change()';

/** The append-only tables and the triggers that reject UPDATE, DELETE and TRUNCATE on them. */
export const ledgerTables: Record<string, ExpectedTrigger[]> = {
  'public.audit_logs': [
    // Since 0048 its row guard lets through the retention door's deletes, and nothing else.
    { name: 'audit_logs_append_only', fn: 'audit.guard_ledger_row()' },
    { name: 'audit_logs_no_truncate', fn: rejectChange },
  ],
  'audit.seals': [
    { name: 'seals_append_only', fn: rejectChange },
    { name: 'seals_no_truncate', fn: rejectChange },
  ],
  'audit.tree_nodes': [
    { name: 'tree_nodes_append_only', fn: rejectChange },
    { name: 'tree_nodes_no_truncate', fn: rejectChange },
  ],
  'audit.checkpoints': [
    { name: 'checkpoints_append_only', fn: rejectChange },
    { name: 'checkpoints_no_truncate', fn: rejectChange },
  ],
  'audit.retention_records': [
    { name: 'retention_records_append_only', fn: rejectChange },
    { name: 'retention_records_no_truncate', fn: rejectChange },
  ],
};

/** The one destructive grant a ledger table may carry: the retention door's owner deletes expired events. */
const doorGrants: Record<string, string> = { 'public.audit_logs': 'skillhub_system may DELETE' };

// Roles other than the owner granted UPDATE, DELETE or TRUNCATE on the
// table, or UPDATE on one of its columns.
const destructiveGrantsSql = `
  with grants as (
    select a.grantee, a.privilege_type from pg_class c, aclexplode(c.relacl) a
    where c.oid = to_regclass($1) and a.grantee <> c.relowner
      and a.privilege_type in ('UPDATE', 'DELETE', 'TRUNCATE')
    union
    select a.grantee, 'UPDATE (' || att.attname || ')' from pg_class c
    join pg_attribute att on att.attrelid = c.oid and att.attacl is not null
    cross join aclexplode(att.attacl) a
    where c.oid = to_regclass($1) and a.grantee <> c.relowner and a.privilege_type = 'UPDATE'
  )
  select case when grantee = 0 then 'public' else pg_get_userbyid(grantee) end as grantee,
    string_agg(privilege_type, ', ' order by privilege_type) as privileges
  from grants group by grantee order by 1`;

/**
 * The ledger is append-only three ways; two of them are catalog state this
 * checks: no role but the owner holds UPDATE, DELETE or TRUNCATE, and the
 * triggers that reject those (for the owner too) exist and are enabled. The
 * third, the hash chain, is `audit_chain`.
 */
export async function checkLedgerProtection(run: SqlRunner): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const [table, triggers] of Object.entries(ledgerTables)) {
    if (!(await tableExists(run, table))) {
      results.push(
        checkResult('ledger_protected', table, { detail: 'the ledger table is missing', fix: 'run skillhub migrate' }),
      );
      continue;
    }
    const { rows: all } = await run<{ grantee: string; privileges: string }>(destructiveGrantsSql, [table]);
    const rows = all.filter((g) => doorGrants[table] !== `${g.grantee} may ${g.privileges}`);
    results.push(
      checkResult(
        'ledger_no_destructive_grants',
        table,
        rows.length === 0
          ? null
          : {
              detail: rows.map((g) => `${g.grantee} may ${g.privileges}`).join('; '),
              fix: rows.map((g) => `revoke update, delete, truncate on ${table} from ${g.grantee};`).join(' '),
            },
      ),
    );
    const problems = await triggerProblems(run, table, triggers);
    results.push(
      checkResult(
        'ledger_triggers',
        table,
        joinTriggerProblems(problems, 'UPDATE, DELETE or TRUNCATE would go through'),
      ),
    );
  }
  return results;
}
