import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { withCredentials, withDatabase } from '../connection-config.ts';
import { Database, type OpenDatabaseOptions } from '../database.ts';
import { readContextKey } from '../tenant-context/context-key.ts';

export interface TestCluster {
  adminUrl: string;
  template: string;
  appRole: { name: string; password: string };
  runId: string;
}

export interface TestDatabase {
  name: string;
  /** The owner (superuser) connection string: for setting up and inspecting, never for code under test. */
  ownerUrl: string;
  /** The runtime role's connection string: what the application uses. */
  appUrl: string;
  /** Runs one statement as the owner. */
  ownerQuery<R extends Record<string, unknown> = Record<string, unknown>>(
    text: string,
    params?: unknown[],
  ): Promise<pg.QueryResult<R>>;
  /** The key this database verifies tenant contexts with (read as the owner once, then remembered). */
  contextKey(): Promise<string>;
  /** The newest active key as the database holds it now (after a rotation, say). */
  contextKeyUncached(): Promise<string>;
  /** Opens the application's handle as the runtime role. */
  /** The runtime role's handle on this database; options as `Database.open` takes them (pool of 5 unless told). */
  openApp(options?: Partial<Omit<OpenDatabaseOptions, 'url' | 'contextKey'>>): Promise<Database>;
  drop(): Promise<void>;
}

/**
 * A fresh, migrated database for one test file, copied from the run's
 * template (milliseconds), dropped by `drop()`.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const cluster = inject('skillhubTestCluster');
  const name = `skillhub_test_${cluster.runId}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: cluster.adminUrl });
  await admin.connect();
  await admin.query(`create database ${name} template ${cluster.template}`);
  // A database's own privileges are not copied from its template: migration 0043's revoke, again.
  await admin.query(`revoke temporary on database ${name} from public`);
  await admin.end();
  const ownerUrl = withDatabase(cluster.adminUrl, name);
  const appUrl = withCredentials(ownerUrl, cluster.appRole);
  const owner = new pg.Pool({ connectionString: ownerUrl, max: 2 });
  // drop() ends the database with (force): an owner connection still closing then must not crash the run.
  owner.on('error', () => {});
  const opened: Database[] = [];
  let key: Promise<string> | undefined;
  const contextKey = () => {
    key ??= readContextKey(ownerUrl);
    return key;
  };
  return {
    name,
    ownerUrl,
    appUrl,
    ownerQuery: (text, params) => owner.query(text, params),
    contextKey,
    contextKeyUncached: () => readContextKey(ownerUrl),
    openApp: async (options) => {
      const db = await Database.open({
        maxConnections: 5,
        ...options,
        url: appUrl,
        contextKey: await contextKey(),
      });
      opened.push(db);
      return db;
    },
    drop: async () => {
      await Promise.all(opened.map((db) => db.close().catch(() => {})));
      await owner.end();
      const client = new pg.Client({ connectionString: cluster.adminUrl });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}
