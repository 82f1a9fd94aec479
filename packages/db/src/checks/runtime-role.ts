import { DbError } from '../errors.ts';
import type { SqlRunner } from '../sql-runner.ts';

export interface RoleFacts {
  name: string;
  superuser: boolean;
  bypassRls: boolean;
  ownedTables: string[];
}

/** Reads the attributes that decide whether RLS binds a role (default: the connected one). */
export async function readRoleFacts(run: SqlRunner, roleName?: string): Promise<RoleFacts> {
  const { rows } = await run<{ name: string; superuser: boolean; bypass_rls: boolean; owned: string[] }>(
    `select r.rolname as name, r.rolsuper as superuser, r.rolbypassrls as bypass_rls,
            coalesce(array_agg(c.relname::text order by c.relname) filter (where c.oid is not null), '{}') as owned
     from pg_roles r
     left join pg_class c on c.relowner = r.oid and c.relkind in ('r', 'p', 'v', 'm')
       and c.relnamespace not in ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)
     where r.rolname = coalesce($1::text, current_user)
     group by r.rolname, r.rolsuper, r.rolbypassrls`,
    [roleName ?? null],
  );
  const row = rows[0];
  if (!row) throw new DbError('UNSAFE_RUNTIME_ROLE', `role ${roleName} does not exist`);
  return { name: row.name, superuser: row.superuser, bypassRls: row.bypass_rls, ownedTables: row.owned };
}

/** Ways the role could see past row level security; empty when it is safe. */
export function runtimeRoleProblems(facts: RoleFacts): string[] {
  const problems: string[] = [];
  if (facts.superuser) problems.push(`role ${facts.name} is a superuser, and superusers ignore row level security`);
  if (facts.bypassRls) problems.push(`role ${facts.name} has BYPASSRLS, so row level security does not apply to it`);
  if (facts.ownedTables.length > 0) {
    problems.push(`role ${facts.name} owns ${facts.ownedTables.join(', ')}, and an owner can disable their policies`);
  }
  return problems;
}

/** Throws UNSAFE_RUNTIME_ROLE when the connected role could bypass tenant isolation. */
export async function assertSafeRuntimeRole(run: SqlRunner): Promise<void> {
  const problems = runtimeRoleProblems(await readRoleFacts(run));
  if (problems.length > 0) {
    throw new DbError(
      'UNSAFE_RUNTIME_ROLE',
      `refusing to start: ${problems.join('; ')}. Connect as the runtime role (APP_DATABASE_URL) instead.`,
    );
  }
}
