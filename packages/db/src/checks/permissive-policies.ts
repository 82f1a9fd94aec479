import type { SqlRunner } from '../sql-runner.ts';
import { type CheckResult, checkResult } from './tenant-isolation.ts';

/** The one permissive policy each row-secured table may carry. */
export const isolationPolicyName = 'tenant_isolation';

// Tables under row level security or with a tenant_id column, and their
// permissive policies other than tenant_isolation.
const extraPoliciesSql = `
  select format('%I.%I', n.nspname, c.relname) as name,
    coalesce(array_agg(p.polname::text order by p.polname) filter (where p.oid is not null), '{}') as extra
  from pg_class c
  join pg_namespace n on n.oid = c.relnamespace
  left join pg_policy p on p.polrelid = c.oid and p.polpermissive and p.polname <> $1
  where c.relkind in ('r', 'p') and n.nspname not in ('pg_catalog', 'information_schema', 'drizzle')
    and (c.relrowsecurity or exists (
      select from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped))
  group by n.nspname, c.relname
  order by 1`;

/**
 * Permissive policies are OR-ed together: any permissive policy beside
 * tenant_isolation widens what a tenant can see or write, so there must be
 * none. Restrictive policies only narrow and are allowed.
 */
export async function checkPermissivePolicies(run: SqlRunner): Promise<CheckResult[]> {
  const { rows } = await run<{ name: string; extra: string[] }>(extraPoliciesSql, [isolationPolicyName]);
  return rows.map((table) =>
    checkResult(
      'policy_no_extra_permissive',
      table.name,
      table.extra.length === 0
        ? null
        : {
            detail: `permissive ${table.extra.join(', ')} beside ${isolationPolicyName} widens what a tenant reaches`,
            fix: `${table.extra.map((p) => `drop policy ${p} on ${table.name};`).join(' ')} (or recreate it as restrictive)`,
          },
    ),
  );
}
