import type { SqlRunner } from '../sql-runner.ts';
import { citusInstalled } from './citus-installed.ts';
import { type CheckResult, checkResult } from './tenant-isolation.ts';

// On a Citus node, the restrictive policies of its distributed and reference tables.
const restrictiveSql = `
  select format('%s: %I', p.logicalrelid::regclass, pol.polname) as target
  from pg_dist_partition p join pg_policy pol on pol.polrelid = p.logicalrelid
  where not pol.polpermissive
  order by 1`;

/**
 * Citus recreates a table's policies on its shards without `AS RESTRICTIVE`
 * (13.2.2, and its main branch as of May 2026: `CreatePolicyCommandForPolicy`
 * never writes it), so on the workers a restrictive policy becomes one more
 * permissive policy, OR-ed with the tenant policy: a row it would have
 * narrowed away passes, another tenant's included (docs/citus.md). A
 * distributed table may have permissive policies only, with what the
 * restrictive ones said folded into them. Where Citus is not installed the
 * check passes with nothing to hold.
 */
export async function checkCitusRestrictivePolicies(run: SqlRunner): Promise<CheckResult[]> {
  if (!(await citusInstalled(run))) {
    return [
      checkResult('citus_no_restrictive_policies', 'citus', null, 'error', 'Citus is not installed on this node'),
    ];
  }
  const { rows } = await run<{ target: string }>(restrictiveSql);
  if (rows.length === 0) return [checkResult('citus_no_restrictive_policies', 'distributed tables', null)];
  return rows.map((row) =>
    checkResult('citus_no_restrictive_policies', row.target, {
      detail:
        'a restrictive policy on a distributed table is recreated permissive on its shards, where it widens what the tenant policy allows',
      fix: 'fold its condition into the permissive policy (using (tenant_id = platform.current_tenant_id() and <its condition>)) and drop it',
    }),
  );
}
