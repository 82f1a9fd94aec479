import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface ServerRecord {
  pid: number;
  url: string;
}

const lockFile = (home: string) => path.join(home, 'server.json');

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * Refuses to serve a second time from one SKILLHUB_HOME: the embedded
 * database is shared by every command, but one server is enough, and a
 * second would only fail later on its port. A record left by a crashed
 * server (its process gone) is ignored.
 */
export async function assertNoServerRunning(home: string): Promise<void> {
  const record = await runningServer(home);
  if (record) {
    throw new Error(
      `Skillhub is already running at ${record.url} (pid ${record.pid}); stop it before starting another`,
    );
  }
}

/** The server another process runs from `home`, or null when none does (a record left by a crashed one is ignored). */
export async function runningServer(home: string): Promise<ServerRecord | null> {
  const record = await readFile(lockFile(home), 'utf8').then(
    (text) => JSON.parse(text) as ServerRecord,
    () => null,
  );
  return record && record.pid !== process.pid && isAlive(record.pid) ? record : null;
}

/** Notes this process as the home's server; the returned function removes the note. */
export async function recordRunningServer(home: string, url: string): Promise<() => Promise<void>> {
  const record: ServerRecord = { pid: process.pid, url };
  await writeFile(lockFile(home), JSON.stringify(record), { mode: 0o600 });
  return () => rm(lockFile(home), { force: true });
}
