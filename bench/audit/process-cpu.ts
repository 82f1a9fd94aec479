import { readFile } from 'node:fs/promises';

/** CPU seconds (user + system) a process on this machine has used so far, from /proc (Linux); NaN when unreadable (a server elsewhere). */
export async function processCpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  if (!stat) return Number.NaN;
  // Fields after the command name (which may hold spaces, inside parentheses): utime and stime are 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticksPerSecond = 100;
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

/** This process's CPU seconds, every thread included. */
export function ownCpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}
