import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/** Whether the process `pid` still exists (signal 0 checks without sending anything). */
export const processAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** The processes whose parent is `pid` (Linux /proc). */
async function childrenOf(pid: number): Promise<number[]> {
  const children: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // The command name, in parentheses, may hold spaces: the fields after its closing one are fixed.
    const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (parent === pid) children.push(Number(entry));
  }
  return children;
}

async function waitForExit(pids: number[], timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  let left = pids.filter(processAlive);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    left = left.filter(processAlive);
  }
  return left;
}

/**
 * `kill -9` of the postmaster running on `dataDir` (its pid from postmaster.pid), as a crash would; then
 * waits for its orphaned backends to notice and exit (and kills those that do not within 10 s), so the
 * cluster can start again on the same directory.
 */
export async function crashPostmaster(dataDir: string): Promise<void> {
  const pid = Number((await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
  const children = await childrenOf(pid);
  process.kill(pid, 'SIGKILL');
  const stuck = await waitForExit([pid, ...children], 10_000);
  for (const left of stuck) process.kill(left, 'SIGKILL');
  await waitForExit(stuck, 5_000);
}
