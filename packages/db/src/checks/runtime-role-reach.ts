import type { SqlRunner } from '../sql-runner.ts';
import { type CheckResult, checkResult } from './tenant-isolation.ts';

// Everything else the role owns here or cluster-wide (tables and views are
// runtime_role_safe's concern): functions, types, schemas, sequences, databases.
const ownedObjectsSql = `
  select coalesce(array_agg(pg_describe_object(d.classid, d.objid, d.objsubid)
    order by pg_describe_object(d.classid, d.objid, d.objsubid)), '{}') as objects
  from pg_shdepend d
  where d.deptype = 'o' and d.refclassid = 'pg_authid'::regclass
    and d.refobjid = (select oid from pg_roles where rolname = $1)
    and d.dbid in (0, (select oid from pg_database where datname = current_database()))
    and not exists (select from pg_class c
      where d.classid = 'pg_class'::regclass and c.oid = d.objid and c.relkind in ('r', 'p', 'v', 'm'))`;

// Roles whose rights the runtime role can take on (directly, by inheritance,
// or with SET ROLE) that would lift row level security.
const powerfulRolesSql = `
  select r.rolname as name, r.rolsuper as superuser, r.rolbypassrls as bypass_rls,
    exists (select from pg_class c where c.relowner = r.oid and c.relkind in ('r', 'p', 'v', 'm')
      and c.relnamespace not in ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)) as owns_tables
  from pg_roles r
  where r.rolname <> $1 and not (select rolsuper from pg_roles where rolname = $1)
    and pg_has_role($1, r.oid, 'MEMBER')
  order by 1`;

interface PowerfulRole extends Record<string, unknown> {
  name: string;
  superuser: boolean;
  bypass_rls: boolean;
  owns_tables: boolean;
}

/**
 * Whether the role may create temporary objects in this database (searched before public: migration
 * 0043). A superuser may do anything, which runtime_role_safe reports already.
 */
const temporaryPrivilegeSql = `select has_database_privilege($1, current_database(), 'TEMPORARY')
    and not (select rolsuper from pg_roles where rolname = $1) as allowed`;

/** True when the role exists in the cluster. */
export async function roleExists(run: SqlRunner, roleName: string): Promise<boolean> {
  const { rows } = await run('select from pg_roles where rolname = $1', [roleName]);
  return rows.length > 0;
}

/**
 * What the runtime role could reach past `runtime_role_safe`: objects it
 * owns besides tables, roles it belongs to that are superusers, have
 * BYPASSRLS or own tables (membership lends their rights, or SET ROLE does),
 * and the right to create temporary objects.
 */
export async function checkRuntimeRoleReach(run: SqlRunner, roleName: string): Promise<CheckResult[]> {
  const owned = (await run<{ objects: string[] }>(ownedObjectsSql, [roleName])).rows[0]?.objects ?? [];
  const powerful = (await run<PowerfulRole>(powerfulRolesSql, [roleName])).rows.filter(
    (r) => r.superuser || r.bypass_rls || r.owns_tables,
  );
  const temporary = (await run<{ allowed: boolean }>(temporaryPrivilegeSql, [roleName])).rows[0]?.allowed ?? false;
  const why = (r: PowerfulRole) =>
    `${r.name} (${[r.superuser && 'superuser', r.bypass_rls && 'BYPASSRLS', r.owns_tables && 'owns tables'].filter(Boolean).join(', ')})`;
  return [
    checkResult(
      'runtime_role_owns_nothing',
      roleName,
      owned.length === 0
        ? null
        : {
            detail: `owns ${owned.join(', ')}; an owner can change or drop what it owns`,
            fix: `reassign owned by ${roleName} to <owner role>; (run in each database)`,
          },
    ),
    checkResult(
      'runtime_role_memberships',
      roleName,
      powerful.length === 0
        ? null
        : {
            detail: `is a member of ${powerful.map(why).join(', ')}, whose rights see past row level security`,
            fix: powerful.map((r) => `revoke ${r.name} from ${roleName};`).join(' '),
          },
    ),
    checkResult(
      'runtime_role_no_temporary_objects',
      roleName,
      temporary
        ? {
            detail:
              'may create temporary tables and views, which PostgreSQL searches before public: one could stand in for a table',
            fix: `revoke temporary on database <this database> from public, ${roleName};`,
          }
        : null,
    ),
  ];
}
