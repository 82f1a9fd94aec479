import type { SqlRunner } from '../sql-runner.ts';

/** Whether Citus is installed on the node `run` reaches (its catalog of distributed tables is there). */
export async function citusInstalled(run: SqlRunner): Promise<boolean> {
  const { rows } = await run<{ present: boolean }>(
    "select pg_catalog.to_regclass('pg_catalog.pg_dist_partition') is not null as present",
  );
  return rows[0]?.present === true;
}
