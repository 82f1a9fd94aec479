import { Database, migrationStatus } from '@skillhub/db';
import { listenUrlFromEnv } from './listen-url.ts';
import { contextKeyFor, migrateResolved, type ResolvedDatabase, resolveDatabase } from './resolve-database.ts';

/** How long a command waits for writers still committing before it seals (and, at its end, for its own events). */
export const sealTimeoutMs = 10_000;

/**
 * Runs a command as the runtime role, the way the server would: resolves
 * the database (migrating it first when asked), opens the runtime role's
 * handle, runs `fn`, then seals every audit event the command wrote before
 * closing, so the command leaves no unsealed history behind.
 */
export async function withRuntimeDatabase<T>(
  fn: (db: Database, database: ResolvedDatabase) => Promise<T>,
  options: { migrate?: boolean } = {},
): Promise<T> {
  const database = await resolveDatabase();
  try {
    if (options.migrate) await migrateResolved(database);
    else await requireMigrated(database);
    const db = await Database.open({
      url: database.appUrl,
      contextKey: await contextKeyFor(database),
      maxConnections: 2,
      listenUrl: listenUrlFromEnv(),
    });
    try {
      return await fn(db, database);
    } finally {
      // Sealed on failure too: a lookup that preceded the failure wrote its event.
      const sealed = await db.sealCommittedAuditEvents(sealTimeoutMs).catch(() => false);
      if (!sealed) {
        process.stderr.write(
          'skillhub: note: some audit events are not sealed yet (a long transaction holds them back)\n',
        );
      }
      await db.close();
    }
  } finally {
    await database.stop();
  }
}

async function requireMigrated(database: ResolvedDatabase): Promise<void> {
  const pending = (await migrationStatus(database.ownerUrl)).filter((m) => !m.appliedAt).length;
  if (pending > 0)
    throw new Error(`the database is not fully migrated (${pending} pending): run skillhub migrate first`);
}
