import { fileURLToPath } from 'node:url';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import type pg from 'pg';
import { DbError } from '../errors.ts';
import { openClient } from '../open-client.ts';
import { ensureRuntimeRole, type RuntimeRoleSpec } from './ensure-runtime-role.ts';

export const migrationsFolder = fileURLToPath(new URL('../../migrations', import.meta.url));

export interface MigrationStatus {
  tag: string;
  appliedAt: Date | null;
}

export interface MigrateResult {
  applied: string[];
  alreadyApplied: number;
  runtimeRole: { name: string; created: boolean } | null;
}

interface JournalEntry {
  tag: string;
  when: number;
}

const journalTags = async (): Promise<JournalEntry[]> => {
  const { default: journal } = await import('../../migrations/meta/_journal.json', { with: { type: 'json' } });
  return journal.entries.map((e: JournalEntry) => ({ tag: e.tag, when: e.when }));
};

// The same bookkeeping table drizzle-kit's migrator uses, so either tool
// sees the other's work.
const bookkeeping = `
  create schema if not exists drizzle;
  create table if not exists drizzle.__drizzle_migrations (id serial primary key, hash text not null, created_at bigint)`;

/**
 * Applies every pending migration in one transaction, serialized across
 * processes by an advisory lock, then creates or verifies the runtime role.
 * Running it again applies nothing. A migration edited after it was applied
 * is refused rather than silently skipped.
 */
export async function runMigrations(
  ownerUrl: string,
  runtimeRole?: RuntimeRoleSpec,
  options: { upTo?: string } = {},
): Promise<MigrateResult> {
  const client = await openClient(ownerUrl);
  try {
    const migrations = readMigrationFiles({ migrationsFolder });
    const tags = await journalTags();
    await client.query('begin');
    await client.query(`select pg_advisory_xact_lock(hashtext('skillhub.migrate'))`);
    await client.query(bookkeeping);
    const done = await client.query<{ hash: string; created_at: string }>(
      'select hash, created_at from drizzle.__drizzle_migrations',
    );
    const appliedHashes = new Map(done.rows.map((r) => [Number(r.created_at), r.hash]));
    const applied: string[] = [];
    const lastIndex = options.upTo ? tags.findIndex((t) => t.tag === options.upTo) : migrations.length - 1;
    if (lastIndex < 0) throw new DbError('INVALID_INPUT', `no migration is tagged ${options.upTo}`);
    for (const [index, migration] of migrations.slice(0, lastIndex + 1).entries()) {
      const tag = tags[index]?.tag ?? String(migration.folderMillis);
      const previousHash = appliedHashes.get(migration.folderMillis);
      if (previousHash !== undefined) {
        if (previousHash !== migration.hash) {
          throw new DbError('MIGRATION_MODIFIED', `migration ${tag} was changed after it was applied`);
        }
        continue;
      }
      for (const statement of migration.sql) {
        if (!statement.trim()) continue;
        await client.query(statement).catch((error: unknown) => {
          throw new DbError('MIGRATION_FAILED', `migration ${tag} failed: ${(error as Error).message}`, {
            cause: error,
          });
        });
      }
      await client.query('insert into drizzle.__drizzle_migrations (hash, created_at) values ($1, $2)', [
        migration.hash,
        migration.folderMillis,
      ]);
      applied.push(tag);
    }
    // Generated change capture follows the columns the migrations left (from 0014 on).
    if (applied.length > 0 && (await hasAuditFunction(client, 'refresh_tracking'))) {
      await client.query('select audit.refresh_tracking()');
    }
    // What the migrations changed about the controls guarding tenant data is
    // recorded like any other change to them (from 0018 on); without the
    // event trigger (an owner that is not a superuser) this is the only record.
    if (applied.length > 0 && (await hasAuditFunction(client, 'check_security_controls'))) {
      await client.query(`select audit.check_security_controls('skillhub migrate')`);
    }
    const role = runtimeRole ? await ensureRuntimeRole(client, runtimeRole) : null;
    // On a Citus coordinator (0069): the runtime role kept from the workers and from other transactions'
    // contexts; a no-op anywhere else.
    const prepared = await client.query<{ present: boolean }>(
      "select to_regprocedure('platform.prepare_citus_node(text)') is not null as present",
    );
    if (role && prepared.rows[0]?.present) await client.query('select platform.prepare_citus_node($1)', [role.name]);
    await client.query('commit');
    return { applied, alreadyApplied: lastIndex + 1 - applied.length, runtimeRole: role };
  } catch (error) {
    await client.query('rollback').catch(() => {});
    if (error instanceof DbError) throw error;
    throw new DbError('MIGRATION_FAILED', `migration failed: ${(error as Error).message}`, { cause: error });
  } finally {
    await client.end();
  }
}

/** Every migration in the journal and when it was applied, if it was. */
export async function migrationStatus(ownerUrl: string): Promise<MigrationStatus[]> {
  const client = await openClient(ownerUrl);
  try {
    const exists = await client.query(`select to_regclass('drizzle.__drizzle_migrations') is not null as ok`);
    const rows = exists.rows[0]?.ok
      ? (
          await client.query<{ created_at: string; id: number }>(
            'select created_at, id from drizzle.__drizzle_migrations',
          )
        ).rows
      : [];
    const appliedAt = new Set(rows.map((r) => Number(r.created_at)));
    return (await journalTags()).map((entry) => ({
      tag: entry.tag,
      appliedAt: appliedAt.has(entry.when) ? new Date(entry.when) : null,
    }));
  } finally {
    await client.end();
  }
}

async function hasAuditFunction(client: pg.Client, name: string): Promise<boolean> {
  const { rows } = await client.query<{ found: boolean }>(
    `select exists (select from pg_proc p join pg_namespace n on n.oid = p.pronamespace
                    where n.nspname = 'audit' and p.proname = $1) as found`,
    [name],
  );
  return rows[0]?.found === true;
}
