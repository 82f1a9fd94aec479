import type { SqlRunner } from '../sql-runner.ts';
import { citusInstalled } from './citus-installed.ts';
import { type CheckResult, checkResult } from './tenant-isolation.ts';

// On a Citus node, each table Citus holds on its shards whose own relation (or a partition of it) still
// has pages here: the rows it had when it was distributed.
const localCopiesSql = `
  select p.logicalrelid::regclass::text as target,
         pg_relation_size(p.logicalrelid)
           + coalesce((select sum(pg_relation_size(i.inhrelid)) from pg_inherits i
                       where i.inhparent = p.logicalrelid), 0) as bytes
  from pg_dist_partition p join pg_class c on c.oid = p.logicalrelid
  where not c.relispartition
  order by 1`;

/**
 * `create_distributed_table` and `create_reference_table` copy a table's rows to the shards and leave
 * them in the table itself too, where queries no longer reach them but backups, a stolen disk and a
 * superuser do: after the conversion a coordinator kept the whole ledger from before it, users' password
 * hashes, sessions and API key hashes, which no erasure, retention or revocation reaches (found). Where
 * Citus is not installed the check passes with nothing to hold.
 */
export async function checkCitusLocalCopies(run: SqlRunner): Promise<CheckResult[]> {
  if (!(await citusInstalled(run))) {
    return [checkResult('citus_local_copies_empty', 'citus', null, 'error', 'Citus is not installed on this node')];
  }
  const { rows } = await run<{ target: string; bytes: string }>(localCopiesSql);
  const kept = rows.filter((row) => Number(row.bytes) > 0);
  if (kept.length === 0) return [checkResult('citus_local_copies_empty', 'distributed and reference tables', null)];
  return kept.map((row) =>
    checkResult('citus_local_copies_empty', row.target, {
      detail: `this node keeps ${row.bytes} bytes of the rows the table had when Citus distributed it, out of reach of erasure, retention and revocation`,
      fix: `begin; set local session_replication_role = replica; select truncate_local_data_after_distributing_table('${row.target}'); commit;`,
    }),
  );
}
