import type { SqlRunner } from '../sql-runner.ts';
import { clausesOfCommand, holdsTenantConjunct } from './tenant-conjunct.ts';
import { type CheckResult, checkResult } from './tenant-isolation.ts';

/** The one permissive policy each row-secured table may carry, for every command. */
export const isolationPolicyName = 'tenant_isolation';

interface ExtraPolicy {
  name: string;
  cmd: string;
  using: string | null;
  check: string | null;
}

// Tables under row level security or with a tenant_id column, and their
// permissive policies other than tenant_isolation.
const extraPoliciesSql = `
  select format('%I.%I', n.nspname, c.relname) as name,
    coalesce(json_agg(json_build_object('name', p.polname, 'cmd', p.polcmd, 'using', pg_get_expr(p.polqual, p.polrelid),
                                        'check', pg_get_expr(p.polwithcheck, p.polrelid)) order by p.polname)
             filter (where p.oid is not null), '[]') as extra
  from pg_class c
  join pg_namespace n on n.oid = c.relnamespace
  left join pg_policy p on p.polrelid = c.oid and p.polpermissive and p.polname <> $1
  where c.relkind in ('r', 'p') and n.nspname not in ('pg_catalog', 'information_schema', 'drizzle')
    and (c.relrowsecurity or exists (
      select from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped))
  group by n.nspname, c.relname
  order by 1`;

/**
 * Whether a permissive policy keeps to the verified tenant whatever else it
 * allows: each clause its command takes (USING but for INSERT, WITH CHECK
 * for ALL, INSERT and UPDATE) has the tenant comparison as an operand of
 * its outermost AND. The form a Citus conversion folds the restrictive
 * policies into, a permissive policy per command (docs/citus.md, step 2).
 */
const keepsToTenant = (policy: ExtraPolicy): boolean => clausesOfCommand(policy).every(holdsTenantConjunct);

/**
 * Permissive policies are OR-ed together: one beside tenant_isolation that
 * does not itself hold to the verified tenant widens what a tenant can see
 * or write, so there must be none. Restrictive policies only narrow and
 * are allowed.
 */
export async function checkPermissivePolicies(run: SqlRunner): Promise<CheckResult[]> {
  const { rows } = await run<{ name: string; extra: ExtraPolicy[] }>(extraPoliciesSql, [isolationPolicyName]);
  return rows.map((table) => {
    const widening = table.extra.filter((policy) => !keepsToTenant(policy)).map((policy) => policy.name);
    return checkResult(
      'policy_no_extra_permissive',
      table.name,
      widening.length === 0
        ? null
        : {
            detail: `permissive ${widening.join(', ')} beside ${isolationPolicyName} widens what a tenant reaches`,
            fix: `${widening.map((p) => `drop policy ${p} on ${table.name};`).join(' ')} (or recreate it as restrictive, or with tenant_id = (select platform.current_tenant_id()) and'ed to its clauses)`,
          },
    );
  });
}
