import type { SqlRunner } from '../sql-runner.ts';

// The conversion runs with the server stopped, so what a pool or a connection found once holds.
const probes = new WeakMap<object, Promise<boolean>>();

/**
 * Whether the Citus conversion distributed the ledger (packages/db/citus/ installs
 * audit.shard_representatives): then sealing, checkpoints and verification take each shard's own
 * path. Asked once per `key`: the pool, connection or runner `run` goes through.
 */
export function ledgerDistributed(key: object, run: SqlRunner): Promise<boolean> {
  let probe = probes.get(key);
  if (!probe) {
    probe = run<{ present: boolean }>(`select to_regclass('audit.shard_representatives') is not null as present`).then(
      (result) => result.rows[0]?.present === true,
    );
    probes.set(key, probe);
    probe.catch(() => probes.delete(key));
  }
  return probe;
}
