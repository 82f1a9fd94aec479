import { type ChildProcess, spawn } from 'node:child_process';
import { access, chmod, constants, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { findFreePort, isPortInUse } from '../../src/embedded/free-port.ts';

export interface PgBouncer {
  /** `url` with its host and port replaced by the pooler's: the same role, password and database name. */
  url: string;
  stop(): Promise<void>;
}

const candidates = ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer', '/usr/local/bin/pgbouncer'];

const isExecutable = (file: string) =>
  access(file, constants.X_OK).then(
    () => true,
    () => false,
  );

async function findBinary(): Promise<string> {
  for (const file of candidates) if (await isExecutable(file)) return file;
  throw new Error(`pgbouncer is not installed (looked in ${candidates.join(', ')}); apt-get install -y pgbouncer`);
}

const quoted = (value: string) => `"${value.replace(/"/g, '""')}"`;

/**
 * Starts Debian's PgBouncer in transaction mode in a temporary directory, in
 * front of the database that `url` names, and lets `url`'s role in (SCRAM,
 * with the password from `url`). Each transaction borrows one of `poolSize`
 * server connections, as in a production deployment behind a pooler.
 * `stop()` ends the process and removes the directory.
 */
export async function startPgBouncer(
  url: string,
  options: { poolSize: number; queryWaitTimeoutS?: number },
): Promise<PgBouncer> {
  const binary = await findBinary();
  const target = new URL(url);
  const role = decodeURIComponent(target.username);
  const database = target.pathname.slice(1);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'skillhub-pgbouncer-'));
  const port = await findFreePort();
  // PgBouncer refuses to run as root; as root it is told to switch to nobody,
  // who must be able to read its configuration.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) await chmod(dir, 0o755);
  await writeFile(path.join(dir, 'users.txt'), `${quoted(role)} ${quoted(decodeURIComponent(target.password))}\n`, {
    mode: 0o644,
  });
  await writeFile(
    path.join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `${database} = host=${target.hostname} port=${target.port || 5432} dbname=${database}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = scram-sha-256',
      `auth_file = ${path.join(dir, 'users.txt')}`,
      'pool_mode = transaction',
      `default_pool_size = ${options.poolSize}`,
      'min_pool_size = 0',
      'reserve_pool_size = 0',
      'max_client_conn = 200',
      ...(options.queryWaitTimeoutS ? [`query_wait_timeout = ${options.queryWaitTimeoutS}`] : []),
      '',
    ].join('\n'),
    { mode: 0o644 },
  );
  const child = spawn(binary, [...(asRoot ? ['-u', 'nobody'] : []), path.join(dir, 'pgbouncer.ini')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const log: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => log.push(chunk.toString()));
  const stop = async () => {
    await stopProcess(child);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitForListening(child, port, log);
  } catch (error) {
    await stop();
    throw error;
  }
  const pooled = new URL(url);
  pooled.hostname = '127.0.0.1';
  pooled.port = String(port);
  return { url: pooled.toString(), stop };
}

async function waitForListening(child: ChildProcess, port: number, log: string[]): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await isPortInUse(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`pgbouncer did not start: ${log.join('').trim() || 'no output'}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** SIGTERM (PgBouncer's immediate shutdown), then SIGKILL if it lingers. */
async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
  await exited;
  clearTimeout(timer);
}
