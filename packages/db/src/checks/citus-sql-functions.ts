import type { SqlRunner } from '../sql-runner.ts';
import { citusInstalled } from './citus-installed.ts';
import { citusDistributedByOtherKey, citusReferenceTables, tenantTableOidsSql } from './citus-table-roles.ts';
import { type CheckResult, checkResult } from './tenant-isolation.ts';

// The tables the plan distributes or replicates: every table with tenant_id, and those named in $1.
const plannedTablesSql = `
  select t.oid::regclass::text as name from (${tenantTableOidsSql}) t
  union
  select r::text from pg_catalog.unnest($1::text[]) name, pg_catalog.to_regclass(name) r where r is not null`;

// On a cluster, also whatever Citus itself has distributed or replicated.
const citusTablesSql = 'select logicalrelid::text as name from pg_catalog.pg_dist_partition';

// Functions in SQL (not immutable, so they may read tables) with parameters whose body names one of the
// tables in $1. A name is matched as a word of the body, which may also catch it in a comment.
const hazardsSql = `
  select p.oid::regprocedure::text as fn, string_agg(distinct c.relname, ', ' order by c.relname) as tables
  from pg_catalog.pg_proc p
  join pg_catalog.pg_namespace n on n.oid = p.pronamespace
  join pg_catalog.pg_class c on c.oid = any (select pg_catalog.to_regclass(t)::oid from pg_catalog.unnest($1::text[]) t)
  where n.nspname in ('audit', 'platform', 'public')
    and p.prolang = (select l.oid from pg_catalog.pg_language l where l.lanname = 'sql')
    and p.provolatile <> 'i' and p.pronargs > 0
    and p.prosrc ~* ('\\m' || c.relname || '\\M')
  group by 1 order by 1`;

/**
 * No function written in SQL with parameters reads or writes a table the
 * plan distributes or replicates: a Citus coordinator cannot plan such a
 * body ("parameters in SQL functions", found for audit.stored_nodes) and,
 * for platform.tally_security_event, crashed instead (a segmentation fault
 * in its fast-path planner; 0080). PL/pgSQL bodies are planned like any
 * statement. Held on one server too (the last eight were rewritten by
 * 0083), so no migration brings the kind back before a conversion finds it.
 */
export async function checkCitusSqlFunctions(run: SqlRunner): Promise<CheckResult[]> {
  const named = [...citusReferenceTables, ...Object.keys(citusDistributedByOtherKey)];
  const planned = (await run<{ name: string }>(plannedTablesSql, [named])).rows.map((row) => row.name);
  const citus = (await citusInstalled(run))
    ? (await run<{ name: string }>(citusTablesSql)).rows.map((row) => row.name)
    : [];
  const hazards = (await run<{ fn: string; tables: string }>(hazardsSql, [[...planned, ...citus]])).rows;
  if (hazards.length === 0) return [checkResult('citus_sql_functions', 'functions', null)];
  return hazards.map((hazard) =>
    checkResult('citus_sql_functions', hazard.fn, {
      detail: `an SQL function with parameters over ${hazard.tables}, which Citus cannot plan (one crashed the coordinator)`,
      fix: 'rewrite its body in PL/pgSQL (return query for a set), as migrations 0075, 0080 and 0083 did',
    }),
  );
}
