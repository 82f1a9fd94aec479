// The single-tenant → multi-tenant story: a database that already holds a
// single-tenant installation's data migrates with nothing lost, every row
// lands in the default tenant, the keys end up enforcing isolation, and a
// second run changes nothing.
import { randomBytes, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { withDatabase } from '../src/connection-config.ts';
import { DbError } from '../src/errors.ts';
import { type MigrateResult, migrationStatus, migrationsFolder, runMigrations } from '../src/migrate/run-migrations.ts';
import { tenantTableNames } from '../src/schema/index.ts';
import { adminQuery } from './support/admin-query.ts';

type Row = Record<string, unknown>;
type Snapshot = Record<string, Row[]>;

const baselineTag = '0001_single_tenant_baseline';

interface KeyConstraint {
  table: string;
  name: string;
  type: 'p' | 'u' | 'f';
  columns: string[];
  ref_table: string | null;
  ref_columns: string[];
  on_delete: string;
}

const cluster = inject('skillhubTestCluster');
const runtimeRole = { name: cluster.appRole.name, password: cluster.appRole.password };
// The cluster's runId in the name lets global teardown drop it if afterAll never runs.
const dbName = `skillhub_migrations_${cluster.runId}_${randomBytes(4).toString('hex')}`;
const ownerUrl = withDatabase(cluster.adminUrl, dbName);
let owner: pg.Client;
let journalTags: string[];
let baselineResult: MigrateResult;
let fullResult: MigrateResult;
let baselineKeys: KeyConstraint[];
let before: Snapshot;

beforeAll(async () => {
  const journal = JSON.parse(await readFile(path.join(migrationsFolder, 'meta/_journal.json'), 'utf8')) as {
    entries: { tag: string }[];
  };
  journalTags = journal.entries.map((e) => e.tag);
  await adminQuery(`create database ${dbName}`);

  baselineResult = await runMigrations(ownerUrl, undefined, { upTo: baselineTag });
  owner = new pg.Client({ connectionString: ownerUrl });
  await owner.connect();
  await owner.query(`set timezone to 'UTC'`);
  await seedSingleTenant(owner);
  baselineKeys = await keyConstraints(owner);
  before = await snapshotRows(owner, tenantTableNames);

  fullResult = await runMigrations(ownerUrl, runtimeRole);
  // Every migration from an empty database: about 45 s on the embedded server, 200 s on an idle
  // PostgreSQL 15 (TEST_DATABASE_URL), and more than 10 minutes on one sharing two busy cores.
}, 1_200_000);

afterAll(async () => {
  await owner?.end();
  await adminQuery(`drop database if exists ${dbName} with (force)`);
});

describe('the single-tenant baseline', () => {
  test('is applied alone', () => {
    expect(baselineResult.applied).toEqual([baselineTag]);
    expect(baselineResult.runtimeRole).toBeNull();
  });

  test('held several rows in each of the nine tables (site_settings allows one)', () => {
    for (const table of tenantTableNames) {
      expect(before[table]?.length, table).toBeGreaterThanOrEqual(table === 'site_settings' ? 1 : 3);
    }
  });
});

describe('migrating a database that holds single-tenant data', () => {
  test('applies every later migration and verifies the existing runtime role', () => {
    expect(fullResult.applied).toEqual(journalTags.slice(1));
    expect(fullResult.alreadyApplied).toBe(1);
    expect(fullResult.runtimeRole).toEqual({ name: runtimeRole.name, created: false });
  });

  test('keeps every row with identical content, now in the default tenant', async () => {
    const after = await snapshotRows(owner, tenantTableNames);
    for (const table of tenantTableNames) {
      const original = before[table] ?? [];
      const rows = after[table] ?? [];
      expect(
        rows.map((r) => r.tenant_id),
        table,
      ).toEqual(rows.map(() => 'default'));
      // Every original column, strictly equal; later migrations may add columns.
      const originalColumns = Object.keys(original[0] ?? {});
      for (const row of rows) expect(Object.keys(row), table).toEqual(expect.arrayContaining(originalColumns));
      expect(
        rows.map((row) => Object.fromEntries(originalColumns.map((c) => [c, row[c]]))),
        table,
      ).toStrictEqual(original);
    }
  });

  test('seeds the default tenant', async () => {
    const { rows } = await owner.query(`select id, name, slug, is_active, plan from tenants where id = 'default'`);
    expect(rows).toEqual([{ id: 'default', name: 'Default', slug: 'default', is_active: true, plan: 'free' }]);
  });

  test('lists every journal entry as applied', async () => {
    const status = await migrationStatus(ownerUrl);
    expect(status.map((s) => s.tag)).toEqual(journalTags);
    for (const s of status) expect(s.appliedAt, s.tag).toBeInstanceOf(Date);
  });
});

describe('the enforcement it leaves behind', () => {
  test('tenant_id is NOT NULL, row level security is enabled and forced, with the tenant policy', async () => {
    const { rows } = await owner.query<{
      table: string;
      nullable: boolean;
      rls: boolean;
      forced: boolean;
      policy: boolean;
    }>(
      `select c.relname as table, not a.attnotnull as nullable, c.relrowsecurity as rls,
              c.relforcerowsecurity as forced,
              exists (select from pg_policies p where p.schemaname = 'public' and p.tablename = c.relname
                        and p.policyname = 'tenant_isolation' and p.qual like '%tenant_id%'
                        and p.with_check like '%tenant_id%') as policy
       from pg_class c join pg_attribute a on a.attrelid = c.oid and a.attname = 'tenant_id'
       where c.oid = any($1::regclass[]) order by c.relname`,
      [tenantTableNames],
    );
    expect(rows).toEqual(
      [...tenantTableNames].sort().map((table) => ({ table, nullable: false, rls: true, forced: true, policy: true })),
    );
  });

  test('every primary key is (tenant_id, id)', async () => {
    const pks = (await keyConstraints(owner)).filter((k) => k.type === 'p');
    expect(pks.map((k) => [k.table, k.columns])).toEqual(
      [...tenantTableNames].sort().map((t) => [t, ['tenant_id', 'id']]),
    );
  });

  test('the composite uniques the specification names exist', async () => {
    const uniques = (await keyConstraints(owner)).filter((k) => k.type === 'u').map((k) => [k.table, k.columns]);
    expect(uniques).toEqual(
      expect.arrayContaining([
        ['skills', ['tenant_id', 'slug']],
        ['skill_embeddings', ['tenant_id', 'skill_id']],
        ['skill_reviews', ['tenant_id', 'skill_id']],
        ['site_settings', ['tenant_id']],
      ]),
    );
  });

  test('every unique of the baseline became per-tenant, and no unique index ignores tenant_id', async () => {
    const after = await keyConstraints(owner);
    for (const old of baselineKeys.filter((k) => k.type === 'u')) {
      const rebuilt = after.find(
        (k) => k.type === 'u' && k.table === old.table && same(k.columns, ['tenant_id', ...old.columns]),
      );
      expect(rebuilt, `${old.name} rebuilt around tenant_id`).toBeDefined();
    }
    // Covers plain unique indexes too, like the baseline's one-row index on site_settings.
    const { rows } = await owner.query<{ index: string; columns: string[] }>(
      `select i.indexrelid::regclass::text as index,
              array(select pg_get_indexdef(i.indexrelid, k, true) from generate_series(1, i.indnkeyatts) k) as columns
       from pg_index i where i.indrelid = any($1::regclass[]) and i.indisunique`,
      [tenantTableNames],
    );
    expect(rows.filter((r) => !r.columns.includes('tenant_id'))).toEqual([]);
  });

  test('every foreign key of the baseline was rebuilt around tenant_id with the same delete rule', async () => {
    const after = await keyConstraints(owner);
    const oldForeignKeys = baselineKeys.filter((k) => k.type === 'f');
    expect(oldForeignKeys.length).toBeGreaterThanOrEqual(12);
    for (const old of oldForeignKeys) {
      const rebuilt = after.find(
        (k) =>
          k.type === 'f' &&
          k.table === old.table &&
          k.ref_table === old.ref_table &&
          same(k.columns, ['tenant_id', ...old.columns]) &&
          same(k.ref_columns, ['tenant_id', ...old.ref_columns]),
      );
      expect(rebuilt, `${old.name} rebuilt around tenant_id`).toBeDefined();
      // The baseline's "set null" keys are plain since 0055 (docs/citus.md, step 2): nothing deletes a user or
      // an API key, and Citus refuses set null on a key that holds tenant_id; the rest keep their rule.
      expect(rebuilt?.on_delete, old.name).toBe(old.on_delete === 'n' ? 'a' : old.on_delete);
    }
  });

  test('every foreign key between the nine tables pairs tenant_id with tenant_id', async () => {
    const between = (await keyConstraints(owner)).filter(
      (k) => k.type === 'f' && (tenantTableNames as readonly string[]).includes(k.ref_table ?? ''),
    );
    expect(between.length).toBeGreaterThanOrEqual(12);
    for (const fk of between) {
      expect(fk.columns.indexOf('tenant_id'), fk.name).toBeGreaterThanOrEqual(0);
      expect(fk.ref_columns.indexOf('tenant_id'), fk.name).toBe(fk.columns.indexOf('tenant_id'));
    }
  });

  test('every one of the nine tables references tenants', async () => {
    const toTenants = (await keyConstraints(owner)).filter((k) => k.type === 'f' && k.ref_table === 'tenants');
    expect(toTenants.map((k) => [k.table, k.columns, k.ref_columns, k.on_delete]).sort()).toEqual(
      [...tenantTableNames].sort().map((t) => [t, ['tenant_id'], ['id'], 'r']),
    );
  });

  test('the constraints hold for a second tenant (checked in a transaction that is rolled back)', async () => {
    const skill = before.skills?.[0] as { id: string; slug: string };
    await owner.query('begin');
    try {
      await owner.query(`insert into tenants (id, name, slug) values ('acme', 'Acme', 'acme')`);
      // Per-tenant uniques: another tenant may reuse what the default tenant holds.
      await owner.query(`insert into site_settings (tenant_id) values ('acme')`);
      await owner.query(`insert into skills (tenant_id, slug, name) values ('acme', $1, 'Copy')`, [skill.slug]);
      await expectSqlState('23505', `insert into site_settings (tenant_id) values ('default')`);
      await expectSqlState('23505', `insert into skills (tenant_id, slug, name) values ('default', $1, 'Dup')`, [
        skill.slug,
      ]);
      // A child row cannot point at another tenant's parent.
      await expectSqlState(
        '23503',
        `insert into skill_versions (tenant_id, skill_id, version, content) values ('acme', $1, 1, 'x')`,
        [skill.id],
      );
      // Without a tenant context, tenant_id defaults to NULL and is refused.
      await expectSqlState('23502', `insert into users (email, display_name) values ('x@example.com', 'X')`);
    } finally {
      await owner.query('rollback');
    }
  });
});

describe('migrating again', () => {
  test('applies nothing and changes nothing', async () => {
    const tables = [...tenantTableNames, 'tenants', 'audit_logs'];
    const schemaBefore = await schemaFingerprint(owner);
    const rowsBefore = await snapshotRows(owner, tables);

    const again = await runMigrations(ownerUrl, runtimeRole);

    expect(again.applied).toEqual([]);
    expect(again.alreadyApplied).toBe(journalTags.length);
    expect(again.runtimeRole).toEqual({ name: runtimeRole.name, created: false });
    expect(await schemaFingerprint(owner)).toEqual(schemaBefore);
    expect(await snapshotRows(owner, tables)).toEqual(rowsBefore);
  });

  test('refuses a migration that was changed after it was applied, and changes nothing', async () => {
    const schemaBefore = await schemaFingerprint(owner);
    // Same check as an edited file: the recorded hash no longer matches the file's.
    const edited = await owner.query(
      `update drizzle.__drizzle_migrations set hash = 'edited:' || hash
       where id = (select min(id) from drizzle.__drizzle_migrations) returning id`,
    );
    expect(edited.rowCount).toBe(1);
    try {
      const error = await runMigrations(ownerUrl, runtimeRole).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DbError);
      expect((error as DbError).code).toBe('MIGRATION_MODIFIED');
      expect((error as DbError).message).toContain(baselineTag);
    } finally {
      await owner.query(`update drizzle.__drizzle_migrations set hash = substr(hash, 8) where hash like 'edited:%'`);
    }
    expect(await schemaFingerprint(owner)).toEqual(schemaBefore);
  });
});

function same(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

async function expectSqlState(code: string, text: string, params: unknown[] = []): Promise<void> {
  await owner.query('savepoint expect_failure');
  const error = await owner.query(text, params).then(
    () => null,
    (e: unknown) => e as { code?: string },
  );
  await owner.query('rollback to savepoint expect_failure');
  expect(error?.code, text).toBe(code);
}

/** Every row of each table as PostgreSQL renders it in JSON (all columns), ordered by id. */
async function snapshotRows(client: pg.Client, tables: readonly string[]): Promise<Snapshot> {
  const snapshot: Snapshot = {};
  for (const table of tables) {
    const { rows } = await client.query<{ row: Row }>(`select to_jsonb(t) as row from ${table} t order by t.id`);
    snapshot[table] = rows.map((r) => r.row);
  }
  return snapshot;
}

/** Primary keys, uniques and foreign keys of the nine tables, with column lists in key order. */
async function keyConstraints(client: pg.Client): Promise<KeyConstraint[]> {
  const columnsOf = (keys: string, rel: string) =>
    `array(select a.attname::text from unnest(${keys}) with ordinality k(attnum, ord)
           join pg_attribute a on a.attrelid = ${rel} and a.attnum = k.attnum order by k.ord)`;
  const { rows } = await client.query<KeyConstraint>(
    `select c.conrelid::regclass::text as table, c.conname as name, c.contype as type,
            ${columnsOf('c.conkey', 'c.conrelid')} as columns,
            case when c.confrelid <> 0 then c.confrelid::regclass::text end as ref_table,
            ${columnsOf('c.confkey', 'c.confrelid')} as ref_columns,
            c.confdeltype as on_delete
     from pg_constraint c
     where c.conrelid = any($1::regclass[]) and c.contype in ('p', 'u', 'f')
     order by 1, 2`,
    [tenantTableNames],
  );
  return rows;
}

/**
 * Everything a migration could change about the database's structure:
 * columns, constraints, indexes, policies, triggers, functions, privileges,
 * types, schemas and the migration bookkeeping itself.
 */
async function schemaFingerprint(client: pg.Client): Promise<Record<string, unknown[]>> {
  const userSchemas = `not in ('pg_catalog', 'information_schema', 'pg_toast')`;
  const queries: Record<string, string> = {
    schemas: `select nspname, pg_get_userbyid(nspowner) as owner, nspacl::text as acl from pg_namespace
              where nspname ${userSchemas} and nspname not like 'pg_temp%' and nspname not like 'pg_toast_temp%'
              order by 1`,
    extensions: `select extname, extversion from pg_extension order by 1`,
    relations: `select n.nspname, c.relname, c.relkind, c.relrowsecurity, c.relforcerowsecurity,
                       pg_get_userbyid(c.relowner) as owner, c.relacl::text as acl
                from pg_class c join pg_namespace n on n.oid = c.relnamespace
                where n.nspname ${userSchemas} order by 1, 2`,
    columns: `select table_schema, table_name, column_name, ordinal_position, data_type, udt_schema, udt_name,
                     is_nullable, column_default, is_identity, identity_generation, is_generated
              from information_schema.columns where table_schema ${userSchemas} order by 1, 2, 4`,
    constraints: `select n.nspname, c.conrelid::regclass::text as rel, c.conname, pg_get_constraintdef(c.oid) as def
                  from pg_constraint c join pg_namespace n on n.oid = c.connamespace
                  where n.nspname ${userSchemas} order by 1, 2, 3`,
    indexes: `select schemaname, tablename, indexname, indexdef from pg_indexes
              where schemaname ${userSchemas} order by 1, 2, 3`,
    policies: `select schemaname, tablename, policyname, permissive, roles::text, cmd, qual, with_check
               from pg_policies order by 1, 2, 3`,
    triggers: `select t.tgrelid::regclass::text as rel, t.tgname, t.tgenabled, pg_get_triggerdef(t.oid) as def
               from pg_trigger t where not t.tgisinternal order by 1, 2`,
    functions: `select n.nspname, p.proname, pg_get_function_identity_arguments(p.oid) as args,
                       pg_get_userbyid(p.proowner) as owner, p.prosecdef, p.proconfig::text as config,
                       p.proacl::text as acl, md5(pg_get_functiondef(p.oid)) as def
                from pg_proc p join pg_namespace n on n.oid = p.pronamespace
                where n.nspname ${userSchemas} and p.prokind in ('f', 'p') order by 1, 2, 3`,
    types: `select n.nspname, t.typname, t.typtype,
                   array(select e.enumlabel::text from pg_enum e where e.enumtypid = t.oid order by e.enumsortorder) as labels
            from pg_type t join pg_namespace n on n.oid = t.typnamespace
            where n.nspname ${userSchemas} and t.typtype in ('e', 'd') order by 1, 2`,
    migrations: `select id, hash, created_at from drizzle.__drizzle_migrations order by id`,
  };
  const fingerprint: Record<string, unknown[]> = {};
  for (const [name, text] of Object.entries(queries)) fingerprint[name] = (await client.query(text)).rows;
  return fingerprint;
}

/**
 * A small single-tenant installation as it would look before tenants:
 * references between tables, nulls, text arrays, a real[] embedding, jsonb,
 * explicit past timestamps, and columns left to their defaults.
 */
async function seedSingleTenant(client: pg.Client): Promise<void> {
  const user = { alice: randomUUID(), bob: randomUUID(), carol: randomUUID(), dave: randomUUID() };
  const skill = { review: randomUUID(), sql: randomUUID(), triage: randomUUID(), draft: randomUUID() };
  const key = { ci: randomUUID(), old: randomUUID(), orphan: randomUUID() };
  const rows: Record<(typeof tenantTableNames)[number], Row[]> = {
    users: [
      {
        id: user.alice,
        email: 'alice@example.com',
        display_name: 'Alice Owner',
        role: 'owner',
        password_hash: '$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo',
        mfa_enabled: true,
        mfa_secret: 'JBSWY3DPEHPK3PXP',
        created_at: '2023-01-05T09:00:00.123456Z',
        updated_at: '2024-02-01T10:00:00Z',
      },
      {
        id: user.bob,
        email: 'bob@example.com',
        display_name: 'Bob Admin',
        role: 'admin',
        password_hash: '$argon2id$v=19$m=65536,t=3,p=4$YWJjZGVm$Ym9iaGFzaA',
        created_at: '2023-02-10T12:30:00Z',
      },
      // Signs in with single sign-on: no password.
      {
        id: user.carol,
        email: 'carol@example.com',
        display_name: 'Carol "CJ" Ünal',
        created_at: '2023-03-01T08:00:00Z',
      },
      {
        id: user.dave,
        email: 'dave@example.com',
        display_name: 'Dave Departed',
        is_active: false,
        password_hash: '$argon2id$v=19$m=65536,t=3,p=4$eHl6$ZGF2ZQ',
      },
    ],
    skills: [
      {
        id: skill.review,
        slug: 'code-review',
        name: 'Code review',
        description: 'Reviews a diff for bugs.',
        content: 'You are a careful reviewer.\nList bugs first, style last.',
        tags: ['engineering', 'review'],
        author_id: user.alice,
        visibility: 'public',
        latest_version: 2,
        rating_count: 3,
        rating_sum: 13,
        created_at: '2023-04-01T00:00:00Z',
        updated_at: '2023-06-01T00:00:00Z',
      },
      {
        id: skill.sql,
        slug: 'sql-explain',
        name: 'Explain a query plan',
        content: 'Read EXPLAIN (ANALYZE) output…',
        tags: ['database', 'postgres', 'performance'],
        author_id: user.bob,
        latest_version: 1,
        rating_count: 1,
        rating_sum: 4,
      },
      // The author was deleted (on delete set null).
      {
        id: skill.triage,
        slug: 'incident-triage',
        name: 'Incident triage',
        tags: ['ops'],
        visibility: 'private',
        latest_version: 1,
        rating_count: 1,
        rating_sum: 2,
      },
      // Only defaults: empty description, content and tags.
      { id: skill.draft, slug: 'draft-2', name: 'Draft' },
    ],
    skill_versions: [
      {
        skill_id: skill.review,
        version: 1,
        content: 'You are a reviewer.',
        changelog: 'First version',
        created_by: user.alice,
        created_at: '2023-04-01T00:00:00Z',
      },
      {
        skill_id: skill.review,
        version: 2,
        content: 'You are a careful reviewer.\nList bugs first, style last.',
        changelog: 'Order findings by severity',
        created_by: user.bob,
        created_at: '2023-06-01T00:00:00Z',
      },
      { skill_id: skill.sql, version: 1, content: 'Read EXPLAIN (ANALYZE) output…', created_by: user.bob },
      { skill_id: skill.triage, version: 1, content: 'Stabilize, then investigate.', created_by: null },
    ],
    ratings: [
      { skill_id: skill.review, user_id: user.alice, score: 5, created_at: '2023-06-02T00:00:00Z' },
      { skill_id: skill.review, user_id: user.bob, score: 4 },
      { skill_id: skill.review, user_id: user.carol, score: 4 },
      { skill_id: skill.sql, user_id: user.carol, score: 4 },
      { skill_id: skill.triage, user_id: user.dave, score: 2 },
    ],
    api_keys: [
      {
        id: key.ci,
        name: 'CI pipeline',
        prefix: 'sk_ci01',
        key_hash: 'a3f1c2e4d5b6a7980f1e2d3c4b5a69788796a5b4c3d2e1f0',
        scopes: ['skills:read', 'usage:write'],
        created_by: user.alice,
        last_used_at: '2024-05-01T07:45:00Z',
      },
      {
        id: key.old,
        name: 'Old laptop',
        prefix: 'sk_old2',
        key_hash: 'b4e2d3f5c6a7b8091a2b3c4d5e6f708192a3b4c5d6e7f801',
        scopes: [],
        created_by: user.bob,
        revoked_at: '2024-01-15T00:00:00Z',
      },
      {
        id: key.orphan,
        name: 'Import script',
        prefix: 'sk_imp3',
        key_hash: 'c5f3e4a6d7b8c9102b3c4d5e6f7081920a3b4c5d6e7f8012',
        scopes: ['skills:write'],
        created_by: null,
      },
    ],
    usage_events: [
      { skill_id: skill.review, user_id: user.alice, source: 'web', occurred_at: '2024-05-01T08:00:00Z' },
      { skill_id: skill.review, api_key_id: key.ci, source: 'api', occurred_at: '2024-05-01T08:05:00.5Z' },
      { skill_id: skill.sql, user_id: user.carol, api_key_id: null, source: 'cli' },
      { skill_id: skill.triage, user_id: null, api_key_id: key.orphan, source: 'api' },
      { skill_id: skill.draft },
    ],
    skill_embeddings: [
      { skill_id: skill.review, model: 'text-embedding-3-small', embedding: [0.0123, -0.5, 0.25, 1e-7, -3.4028e38] },
      {
        skill_id: skill.sql,
        model: 'text-embedding-3-small',
        embedding: [0.1, 0.2, 0.3, 0.4, 0.5],
        updated_at: '2024-03-03T03:03:03Z',
      },
      { skill_id: skill.triage, model: 'local-minilm', embedding: [] },
    ],
    skill_reviews: [
      { skill_id: skill.review, reviewer_id: user.bob, status: 'approved', notes: 'Ship it.' },
      { skill_id: skill.sql, reviewer_id: user.alice, status: 'changes_requested', notes: 'Mention BUFFERS.' },
      { skill_id: skill.triage, reviewer_id: null },
    ],
    // The baseline allows one row of site settings.
    site_settings: [
      {
        display_name: 'Acme Skills',
        logo_url: null,
        default_visibility: 'private',
        settings: JSON.stringify({
          theme: { accent: '#0f62fe', dark: true },
          allowedDomains: ['example.com'],
          welcome: 'Wïllkommen — “quoted”',
          limits: { maxSkills: 500, retentionDays: null },
        }),
      },
    ],
  };
  const parentsFirst = [
    'users',
    'skills',
    'skill_versions',
    'ratings',
    'api_keys',
    'usage_events',
    'skill_embeddings',
    'skill_reviews',
    'site_settings',
  ] as const;
  for (const table of parentsFirst) {
    for (const row of rows[table]) {
      const columns = Object.keys(row);
      await client.query(
        `insert into ${table} (${columns.join(', ')}) values (${columns.map((_, i) => `$${i + 1}`).join(', ')})`,
        Object.values(row),
      );
    }
  }
}
