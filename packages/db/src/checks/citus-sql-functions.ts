import { ledgerDistributed } from '../audit/ledger-distributed.ts';
import type { SqlRunner } from '../sql-runner.ts';
import { type CheckResult, checkResult } from './tenant-isolation.ts';

// Functions in SQL (not immutable, so they may read tables) with parameters whose body names a table Citus
// distributes or replicates. A name is matched as a word of the body, which may also catch it in a comment.
const hazardsSql = `
  select p.oid::regprocedure::text as fn, string_agg(distinct c.relname, ', ' order by c.relname) as tables
  from pg_catalog.pg_proc p
  join pg_catalog.pg_namespace n on n.oid = p.pronamespace
  join pg_catalog.pg_dist_partition d on true
  join pg_catalog.pg_class c on c.oid = d.logicalrelid
  where n.nspname in ('audit', 'platform', 'public')
    and p.prolang = (select l.oid from pg_catalog.pg_language l where l.lanname = 'sql')
    and p.provolatile <> 'i' and p.pronargs > 0
    and p.prosrc ~* ('\\m' || c.relname || '\\M')
  group by 1 order by 1`;

/**
 * On a cluster whose ledger is distributed, no function written in SQL with
 * parameters reads or writes a distributed or reference table: Citus cannot
 * plan such a body ("parameters in SQL functions", found for
 * audit.stored_nodes) and, for platform.tally_security_event, crashed the
 * coordinator instead (a segmentation fault in its fast-path planner; 0080).
 * PL/pgSQL bodies are planned like any statement. Elsewhere the check passes
 * with nothing to hold.
 */
export async function checkCitusSqlFunctions(run: SqlRunner): Promise<CheckResult[]> {
  if (!(await ledgerDistributed(run, run))) {
    return [checkResult('citus_sql_functions', 'functions', null, 'error', 'the ledger is not distributed here')];
  }
  const hazards = (await run<{ fn: string; tables: string }>(hazardsSql)).rows;
  if (hazards.length === 0) return [checkResult('citus_sql_functions', 'functions', null)];
  return hazards.map((hazard) =>
    checkResult('citus_sql_functions', hazard.fn, {
      detail: `an SQL function with parameters over ${hazard.tables}, which Citus cannot plan (one crashed the coordinator)`,
      fix: 'rewrite its body in PL/pgSQL (return query for a set), as migrations 0075 and 0080 did',
    }),
  );
}
