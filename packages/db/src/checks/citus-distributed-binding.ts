import type { SqlRunner } from '../sql-runner.ts';
import { type CheckResult, checkResult } from './tenant-isolation.ts';

// The Citus functions the runtime role must not run on this node (migration
// 0069's list), each that exists, and whether the role may execute it.
const grantsSql = `
  select f as function_name, has_function_privilege($1, ('pg_catalog.' || f)::regprocedure, 'execute') as granted
  from unnest(platform.citus_functions_kept_from_public()) f
  where to_regprocedure('pg_catalog.' || f) is not null
  order by 1`;

// On each worker, the same functions but assign_distributed_transaction_id (which Citus's own connections
// to the workers call as the runtime role) that the runtime role may still execute there.
const workerGrantsSql = `
  select r.nodename || ':' || r.nodeport as node, r.success, r.result
  from run_command_on_workers(format(
    'select coalesce(string_agg(f, %L), %L) from unnest(array[%s]) f
     where to_regprocedure(%L || f) is not null and has_function_privilege(%L, (%L || f)::regprocedure, %L)',
    ', ', '', (select string_agg(quote_literal(f), ',') from unnest(platform.citus_functions_kept_from_public()) f
               where not starts_with(f, 'assign_distributed_transaction_id(')),
    'pg_catalog.', $1::text, 'pg_catalog.', 'execute')) r
  order by 1`;

// Whether the runtime role's sessions keep their statements out of pg_stat_activity.
const hiddenSql = `select coalesce(bool_or(c = 'track_activities=off'), false) as hidden
  from pg_db_role_setting s cross join unnest(s.setconfig) c
  where s.setrole = (select oid from pg_roles where rolname = $1)
    and s.setdatabase in (0, (select oid from pg_database where datname = current_database()))`;

// Whether platform.context_claims may read the context keys (a reference table) from inside a shard's query.
const nestedReadSql = `select coalesce('citus.allow_nested_distributed_execution=on' = any (p.proconfig), false) as allowed
  from pg_proc p where p.oid = 'platform.context_claims()'::regprocedure`;

/**
 * On a Citus node, a tenant context is bound to its distributed transaction
 * (migration 0069), which holds only while the runtime role can neither give
 * its transaction another's number (`assign_distributed_transaction_id`) nor
 * run statements on the workers as itself (`run_command_on_*`, where it
 * could do the same on a worker connection); and the workers verify a
 * context only if `platform.context_claims` may read the keys there (else
 * every tenant statement on a shard fails: closed, but down). Where Citus
 * is not installed the check passes with nothing to hold.
 */
export async function checkCitusDistributedBinding(run: SqlRunner, runtimeRole: string): Promise<CheckResult[]> {
  const { rows } = await run<{ function_name: string; granted: boolean }>(grantsSql, [runtimeRole]);
  if (rows.length === 0) {
    return [checkResult('citus_distributed_binding', 'citus', null, 'error', 'Citus is not installed on this node')];
  }
  const nested = (await run<{ allowed: boolean }>(nestedReadSql)).rows[0]?.allowed ?? false;
  const hidden = (await run<{ hidden: boolean }>(hiddenSql, [runtimeRole])).rows[0]?.hidden ?? false;
  const workers = (await run<{ node: string; success: boolean; result: string }>(workerGrantsSql, [runtimeRole])).rows;
  const prepare =
    'select platform.prepare_citus_node(); as the owner, on the coordinator only (Citus calls assign_distributed_transaction_id on the workers as the runtime role)';
  return [
    checkResult(
      'citus_distributed_binding',
      'platform.context_claims()',
      nested
        ? null
        : {
            detail:
              'the workers cannot read platform.context_keys inside a shard query, so no tenant context verifies there',
            fix: prepare,
          },
    ),
    checkResult(
      'citus_distributed_binding',
      `${runtimeRole}: track_activities`,
      hidden
        ? null
        : {
            detail: `${runtimeRole}'s statements show in pg_stat_activity, where any session of the role reads the tenant contexts SET LOCAL carries`,
            fix: prepare,
          },
    ),
    ...workers.map((worker) =>
      checkResult(
        'citus_distributed_binding',
        `worker ${worker.node}`,
        !worker.success
          ? {
              detail: `could not read the worker's grants: ${worker.result}`,
              fix: 'check the worker is up and reachable',
            }
          : worker.result
            ? {
                detail: `${runtimeRole} may execute ${worker.result} there: a session of its own on the worker, where it can forge a transaction's binding`,
                fix: prepare,
              }
            : null,
      ),
    ),
    ...rows.map((fn) =>
      checkResult(
        'citus_distributed_binding',
        fn.function_name,
        fn.granted
          ? {
              detail: `${runtimeRole} may execute ${fn.function_name}: it could replay another transaction's tenant context on the workers`,
              fix: prepare,
            }
          : null,
      ),
    ),
  ];
}
