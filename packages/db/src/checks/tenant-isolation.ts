import { openClient } from '../open-client.ts';
import { runnerFor, type SqlRunner } from '../sql-runner.ts';
import { readRoleFacts, runtimeRoleProblems } from './runtime-role.ts';
import { clausesOfCommand } from './tenant-conjunct.ts';

/** An error fails the doctor (exit 1); a warning is reported and passes. */
export type CheckSeverity = 'error' | 'warning';

/** One finding of a catalog check: which rule, on which object, and how to fix it when it fails. */
export interface CheckResult {
  check: string;
  target: string;
  ok: boolean;
  severity: CheckSeverity;
  detail: string;
  fix: string;
  /** What the check cannot see, shown whether it passed or not. */
  note?: string;
}

/** What a failed check reports; `null` when the check passed. */
export type CheckProblem = { detail: string; fix: string } | null;

/** Builds a result: passed when `problem` is null, otherwise failed with its detail and fix. */
export function checkResult(
  check: string,
  target: string,
  problem: CheckProblem,
  severity: CheckSeverity = 'error',
  passedDetail = 'ok',
): CheckResult {
  return problem
    ? { check, target, ok: false, severity, ...problem }
    : { check, target, ok: true, severity, detail: passedDetail, fix: '' };
}

interface TableFacts extends Record<string, unknown> {
  name: string;
  rls: boolean;
  force: boolean;
  policies: { name: string; cmd: string; permissive: boolean; using: string | null; check: string | null }[];
  leading_index: string | null;
}

// Every ordinary or partitioned table outside the system schemas that has a
// tenant_id column, with its RLS flags, policies and a tenant-led index.
const tableFactsSql = `
  select format('%I.%I', n.nspname, c.relname) as name, c.relrowsecurity as rls, c.relforcerowsecurity as force,
    coalesce((select json_agg(json_build_object('name', p.polname, 'cmd', p.polcmd, 'permissive', p.polpermissive,
        'using', pg_get_expr(p.polqual, p.polrelid), 'check', pg_get_expr(p.polwithcheck, p.polrelid)))
      from pg_policy p where p.polrelid = c.oid), '[]') as policies,
    (select i.indexrelid::regclass::text from pg_index i where i.indrelid = c.oid and i.indkey[0] = a.attnum limit 1)
      as leading_index
  from pg_class c
  join pg_namespace n on n.oid = c.relnamespace
  join pg_attribute a on a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped
  where c.relkind in ('r', 'p') and n.nspname not in ('pg_catalog', 'information_schema', 'drizzle')
  order by 1`;

// What a policy must compare tenant_id with: the verified context (migration
// 0022), as pg_get_expr prints it. A plain setting does not count: any
// statement in the transaction can change it.
const verifiedTenant = 'platform.current_tenant_id()';
const plainSetting = /current_setting\(/;

/** Checks each tenant table's row level security against the rules in DESIGN.md. */
export async function checkTenantTables(run: SqlRunner): Promise<CheckResult[]> {
  const { rows } = await run<TableFacts>(tableFactsSql);
  return rows.flatMap((table) => tableChecks(table));
}

function tableChecks(table: TableFacts): CheckResult[] {
  const result = (check: string, ok: boolean, detail: string, fix: string): CheckResult =>
    checkResult(check, table.name, ok ? null : { detail, fix });
  // Each clause a permissive policy's command takes names the verified tenant. Restrictive policies (a
  // private skill's author, say) only narrow what the permissive ones allow, so they need neither.
  const incomplete = table.policies.filter(
    (p) => p.permissive && !clausesOfCommand(p).every((clause) => clause?.includes(verifiedTenant)),
  );
  const trustsSetting = incomplete.some((p) => plainSetting.test(`${p.using} ${p.check}`));
  return [
    result(
      'rls_enabled',
      table.rls,
      'row level security is not enabled',
      `alter table ${table.name} enable row level security;`,
    ),
    result(
      'rls_forced',
      table.force,
      'row level security is not forced, so the owner bypasses it',
      `alter table ${table.name} force row level security;`,
    ),
    result(
      'policy_present',
      table.policies.some((p) => p.permissive),
      'no permissive policy: every query sees zero rows',
      `create policy tenant_isolation on ${table.name} ...`,
    ),
    result(
      'policy_complete',
      incomplete.length === 0,
      `policy ${incomplete.map((p) => p.name).join(', ')} lacks a USING or WITH CHECK clause on the verified tenant` +
        (trustsSetting ? ' (it trusts current_setting(...), which any statement in the transaction can change)' : ''),
      'recreate the policy with USING and WITH CHECK (tenant_id = (select platform.current_tenant_id()))',
    ),
    result(
      'tenant_index',
      table.leading_index !== null,
      'no index is led by tenant_id',
      `create index on ${table.name} (tenant_id, ...);`,
    ),
  ];
}

/** Checks that the runtime role cannot see past row level security. */
export async function checkRuntimeRole(run: SqlRunner, roleName: string): Promise<CheckResult[]> {
  const problems = runtimeRoleProblems(await readRoleFacts(run, roleName));
  return [
    checkResult(
      'runtime_role_safe',
      roleName,
      problems.length === 0
        ? null
        : {
            detail: problems.join('; '),
            fix: `alter role ${roleName} nosuperuser nobypassrls; and reassign what it owns`,
          },
    ),
  ];
}

/**
 * The tenant-isolation part of the catalog check, run as the owner:
 * RLS enabled and forced, complete policies and a tenant-led index on every
 * table with tenant_id, and a runtime role that RLS binds.
 */
export async function checkTenantIsolation(ownerUrl: string, runtimeRoleName: string): Promise<CheckResult[]> {
  const client = await openClient(ownerUrl);
  try {
    const run = runnerFor(client);
    return [...(await checkTenantTables(run)), ...(await checkRuntimeRole(run, runtimeRoleName))];
  } finally {
    await client.end();
  }
}
