import { randomUUID } from 'node:crypto';
import {
  type Database,
  type RequestActor,
  sql,
  systemActor,
  type TenantTableName,
  type TenantTx,
} from '../../src/index.ts';

/** The ids of one row in each of the nine tenant tables, all owned by one tenant. */
export type TenantRows = Record<TenantTableName, string>;

export interface Parents {
  userId: string;
  skillId: string;
  apiKeyId: string;
}

interface TableSpec {
  /** Column values for a new row, given parent ids; a fresh id and unique values every call. */
  values(parents: Parents): Record<string, unknown>;
  /** A harmless column to update in isolation tests. */
  mutable: [column: string, value: unknown];
  /** The parent this table points at, for the cross-tenant foreign key test. */
  parentColumn?: keyof Parents;
}

const unique = () => randomUUID().slice(0, 8);

export const tableSpecs: Record<TenantTableName, TableSpec> = {
  users: {
    values: () => ({ id: randomUUID(), email: `u-${unique()}@example.com`, display_name: 'User' }),
    mutable: ['display_name', 'Changed'],
  },
  skills: {
    values: (p) => ({ id: randomUUID(), slug: `skill-${unique()}`, name: 'Skill', author_id: p.userId }),
    mutable: ['name', 'Changed'],
    parentColumn: 'userId',
  },
  skill_versions: {
    values: (p) => ({
      id: randomUUID(),
      skill_id: p.skillId,
      version: Math.floor(Math.random() * 1e9) + 1,
      content: 'v',
    }),
    mutable: ['changelog', 'Changed'],
    parentColumn: 'skillId',
  },
  ratings: {
    values: (p) => ({ id: randomUUID(), skill_id: p.skillId, user_id: p.userId, score: 4 }),
    mutable: ['score', 2],
    parentColumn: 'skillId',
  },
  usage_events: {
    values: (p) => ({ id: randomUUID(), skill_id: p.skillId, user_id: p.userId, source: 'web' }),
    mutable: ['source', 'cli'],
    parentColumn: 'skillId',
  },
  skill_embeddings: {
    values: (p) => ({ id: randomUUID(), skill_id: p.skillId, model: 'local', embedding: '{0.1,0.2}' }),
    mutable: ['model', 'changed'],
    parentColumn: 'skillId',
  },
  skill_reviews: {
    values: (p) => ({ id: randomUUID(), skill_id: p.skillId, reviewer_id: p.userId, status: 'pending' }),
    mutable: ['notes', 'Changed'],
    parentColumn: 'skillId',
  },
  api_keys: {
    values: (p) => ({ id: randomUUID(), name: 'key', prefix: unique(), key_hash: randomUUID(), created_by: p.userId }),
    mutable: ['name', 'Changed'],
    parentColumn: 'userId',
  },
  site_settings: {
    values: () => ({ id: randomUUID(), display_name: 'Site' }),
    mutable: ['display_name', 'Changed'],
  },
};

/** `insert into <table> (...) values (...) returning *` from a column map. */
export const insertSql = (table: string, values: Record<string, unknown>) => {
  const columns = Object.keys(values);
  return sql`insert into ${sql.identifier(table)} (${sql.join(
    columns.map((c) => sql.identifier(c)),
    sql`, `,
  )}) values (${sql.join(
    columns.map((c) => sql`${values[c]}`),
    sql`, `,
  )}) returning *`;
};

// The workspace's owner: it may write skills in another's name (migration 0024), as seeding needs.
export const actor = (id = 'tester'): RequestActor => ({
  actorType: 'user',
  actorId: id,
  role: 'owner',
  requestId: 'req-test',
  ip: '127.0.0.1',
});

/** The nine tables seedTenantRows writes, in the order it writes them (parents first). */
export const seededTables = [
  'users',
  'skills',
  'api_keys',
  'skill_versions',
  'ratings',
  'usage_events',
  'skill_embeddings',
  'skill_reviews',
  'site_settings',
] as const;

/** Inserts one row in each of the nine tables for the tenant, parents first. */
export async function seedTenantRows(db: Database, tenantId: string, by: RequestActor = actor()): Promise<TenantRows> {
  return db.withTenant(tenantId, by, async (tx: TenantTx) => {
    const rows = {} as TenantRows;
    const parents: Parents = { userId: '', skillId: '', apiKeyId: '' };
    for (const table of seededTables) {
      const values = tableSpecs[table].values(parents);
      await tx.execute(insertSql(table, values));
      rows[table] = values.id as string;
      if (table === 'users') parents.userId = rows.users;
      if (table === 'skills') parents.skillId = rows.skills;
      if (table === 'api_keys') parents.apiKeyId = rows.api_keys;
    }
    return rows;
  });
}

/** Two workspaces, acme and globex, each with one row in every tenant table. */
export async function seedTwoTenants(db: Database) {
  const created = async (name: string, slug: string) => {
    const tenantId = (await db.platform.createTenant({ name, slug }, systemActor('test'))).id;
    return { tenantId, rows: await seedTenantRows(db, tenantId) };
  };
  return { a: await created('Acme', 'acme'), b: await created('Globex', 'globex') };
}

export const parentsOf = (rows: TenantRows): Parents => ({
  userId: rows.users,
  skillId: rows.skills,
  apiKeyId: rows.api_keys,
});
