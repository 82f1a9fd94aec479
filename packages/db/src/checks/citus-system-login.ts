import { ledgerDistributed } from '../audit/ledger-distributed.ts';
import type { SqlRunner } from '../sql-runner.ts';
import { type CheckResult, checkResult } from './tenant-isolation.ts';

const rerun =
  "run the login's section of packages/db/citus/writes-per-shard.sql again as the owner on the coordinator (it gives the login on the workers and rotates its password)";

/**
 * On a Citus cluster whose ledger is distributed (the conversion's scripts
 * ran: `audit.shard_representatives` exists), every capture function and
 * door reaches another node's shard as its definer, `skillhub_system`,
 * which must log in on each worker, with its password in
 * `pg_dist_authinfo`, and never on the coordinator. Citus gives every node
 * the coordinator's role attributes again whenever it syncs metadata (a
 * node added), which takes the login away: then the deployment sink, new
 * workspaces and the checkpoint door fail. Elsewhere the check passes with
 * nothing to hold.
 */
export async function checkCitusSystemLogin(run: SqlRunner): Promise<CheckResult[]> {
  if (!(await ledgerDistributed(run, run))) {
    return [checkResult('citus_system_login', 'skillhub_system', null, 'error', 'the ledger is not distributed here')];
  }
  const coordinator = await run<{ can_login: boolean; authinfo: boolean }>(
    `select r.rolcanlogin as can_login,
            exists (select from pg_catalog.pg_dist_authinfo a where a.rolename = 'skillhub_system') as authinfo
     from pg_catalog.pg_roles r where r.rolname = 'skillhub_system'`,
  );
  const workers = await run<{ node: string; success: boolean; result: string }>(
    `select w.nodename || ':' || w.nodeport as node, w.success, w.result
     from run_command_on_workers($$select r.rolcanlogin::text || ' ' ||
                                         exists (select from pg_catalog.pg_dist_authinfo a
                                                 where a.rolename = 'skillhub_system')::text
                                  from pg_catalog.pg_roles r where r.rolname = 'skillhub_system'$$) w
     order by 1`,
  );
  const here = coordinator.rows[0];
  return [
    checkResult(
      'citus_system_login',
      'coordinator',
      here?.can_login
        ? {
            detail: 'skillhub_system can log in on the coordinator, where no one should sign in as every door',
            fix: 'set citus.enable_ddl_propagation = off; alter role skillhub_system nologin;',
          }
        : here?.authinfo
          ? null
          : { detail: "pg_dist_authinfo holds no password for skillhub_system's worker connections", fix: rerun },
    ),
    ...workers.rows.map((worker) =>
      checkResult(
        'citus_system_login',
        `worker ${worker.node}`,
        !worker.success
          ? { detail: `the check could not run there: ${worker.result}`, fix: rerun }
          : worker.result === 'true true'
            ? null
            : {
                detail:
                  "skillhub_system cannot log in there (or the worker holds no password for it): the doors' connections to its shards fail",
                fix: rerun,
              },
      ),
    ),
  ];
}
