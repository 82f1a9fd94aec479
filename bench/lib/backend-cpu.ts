import { readFile } from 'node:fs/promises';
import type { RawPool } from '@skillhub/db/bench';

/**
 * CPU seconds (user + system) used so far by the server processes of one
 * role's connections to the benchmark's own database, from /proc; NaN when
 * the server runs elsewhere. Only those backends: other databases of a
 * shared server (another engineer's tests) and the owner's own queries do
 * not count, so a role whose pool keeps its connections gives that pool's
 * server-side cost per operation.
 */
export async function backendCpuSeconds(owner: RawPool, role: string): Promise<number> {
  const { rows } = await owner.query<{ pid: number }>(
    'select pid from pg_stat_activity where datname = current_database() and usename = $1',
    [role],
  );
  let ticks = 0;
  for (const { pid } of rows) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    if (!stat) return Number.NaN;
    // After the command name (which may hold spaces, inside parentheses): utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  const ticksPerSecond = 100;
  return ticks / ticksPerSecond;
}
