import type { SqlRunner } from '../sql-runner.ts';
import { type CheckResult, checkResult } from './tenant-isolation.ts';

// The functions each policy of a table with tenant_id calls (pg_depend
// records them when the policy is created), with their schema and volatility.
const policyFunctionsSql = `
  select format('%I.%I', n.nspname, c.relname) as table_name, p.polname::text as policy,
    coalesce(json_agg(json_build_object('name', f.oid::regprocedure::text, 'schema', fn.nspname,
      'volatile', f.provolatile = 'v')) filter (where f.oid is not null), '[]') as functions
  from pg_policy p
  join pg_class c on c.oid = p.polrelid
  join pg_namespace n on n.oid = c.relnamespace
  left join pg_depend d on d.classid = 'pg_policy'::regclass and d.objid = p.oid and d.refclassid = 'pg_proc'::regclass
  left join pg_proc f on f.oid = d.refobjid
  left join pg_namespace fn on fn.oid = f.pronamespace
  where exists (select from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped)
  group by 1, 2
  order by 1, 2`;

interface PolicyFunctions extends Record<string, unknown> {
  table_name: string;
  policy: string;
  functions: { name: string; schema: string; volatile: boolean }[];
}

/**
 * On Citus a policy runs on the worker that holds the shard, so every
 * function it calls must exist there too: docs/citus.md replicates the
 * `platform` schema's functions (and pgcrypto) to every node, nothing
 * else. A volatile function would also run once per row on every shard
 * instead of once per statement.
 */
export async function checkPolicyFunctions(run: SqlRunner): Promise<CheckResult[]> {
  const { rows } = await run<PolicyFunctions>(policyFunctionsSql);
  return rows.map((policy) => {
    const bad = policy.functions.filter((f) => !['platform', 'pg_catalog'].includes(f.schema) || f.volatile);
    return checkResult(
      'citus_policy_functions',
      `${policy.table_name} ${policy.policy}`,
      bad.length === 0
        ? null
        : {
            detail: `calls ${bad.map((f) => `${f.name}${f.volatile ? ' (volatile)' : ''}`).join(', ')}, which the plan does not put on every worker as a stable function`,
            fix: "move the function into schema platform as stable (security definer with set search_path = ''), or compare tenant_id with (select platform.current_tenant_id()) only",
          },
      'error',
      `calls only ${policy.functions.map((f) => f.name).join(', ') || 'no function'}`,
    );
  });
}
