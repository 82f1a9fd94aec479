import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { type EmbeddedServer, startEmbeddedPostgres } from '../embedded/embedded-postgres.ts';
import { findFreePort } from '../embedded/free-port.ts';
import { readContextKey } from '../tenant-context/context-key.ts';
import { crashPostmaster, processAlive } from './crash-postmaster.ts';

export interface PrivateCluster {
  /** The cluster's superuser: for setting up and inspecting, never for code under test. */
  ownerUrl: string;
  /** The runtime role (created by the first migration run, e.g. `skillhub serve`). */
  appUrl: string;
  /**
   * The key tenant contexts are signed with, read as the owner, for
   * `Database.open`. The database must be migrated first (by `skillhub serve`,
   * say): the first key is created by a migration.
   */
  contextKey(): Promise<string>;
  /** Runs one statement as the owner; reconnects after a crash. */
  ownerQuery<R extends Record<string, unknown> = Record<string, unknown>>(
    text: string,
    params?: unknown[],
  ): Promise<pg.QueryResult<R>>;
  /**
   * `kill -9` of the postmaster (its pid from postmaster.pid), as a crash
   * would; then waits for its orphaned backends to notice and exit (and
   * kills those that do not within 10 s), so the cluster can start again.
   */
  crash(): Promise<void>;
  /** Starts the cluster again on the same port after a crash; PostgreSQL runs crash recovery first. */
  restart(): Promise<void>;
  /** Stops the cluster (whatever state it is in) and removes its directory. */
  destroy(): Promise<void>;
}

/**
 * A PostgreSQL cluster of its own (embedded-postgres, in a temporary
 * directory, on a free port of 127.0.0.1) for tests that crash the database
 * under load, which the run's shared cluster must never see. Linux only
 * (it finds the postmaster's children in /proc). `synchronous_commit` stays
 * on: an acknowledged commit must survive the crash.
 */
export async function startPrivateCluster(
  options: { settings?: Record<string, string> } = {},
): Promise<PrivateCluster> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'skillhub-cluster-'));
  const port = await findFreePort();
  const start = () => startEmbeddedPostgres({ dir, port, settings: options.settings });
  let server: EmbeddedServer | null = null;
  let crashed = false;
  const owner = () => {
    const pool = new pg.Pool({ connectionString: server?.ownerUrl, max: 2 });
    // The cluster is crashed on purpose; a connection it drops must not crash the test.
    pool.on('error', () => {});
    return pool;
  };
  let pool: pg.Pool | null = null;
  const postmasterPid = async () =>
    Number((await readFile(path.join(dir, 'postgres', 'postmaster.pid'), 'utf8')).split('\n')[0]);
  const destroy = async () => {
    await pool?.end().catch(() => {});
    pool = null;
    if (server && !crashed) await server.stop().catch(() => {});
    else if (crashed) {
      const pid = await postmasterPid().catch(() => 0);
      if (pid > 0 && processAlive(pid)) process.kill(pid, 'SIGKILL');
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    server = await start();
    pool = owner();
  } catch (error) {
    await destroy();
    throw error;
  }
  const running = server;
  return {
    ownerUrl: running.ownerUrl,
    appUrl: running.appUrl,
    contextKey: () => readContextKey(running.ownerUrl),
    ownerQuery: (text, params) => {
      pool ??= owner();
      return pool.query(text, params);
    },
    crash: async () => {
      crashed = true;
      await crashPostmaster(path.join(dir, 'postgres'));
      // Its connections are gone; the next ownerQuery opens new ones.
      await pool?.end().catch(() => {});
      pool = null;
    },
    restart: async () => {
      server = await start();
      crashed = false;
    },
    destroy,
  };
}
