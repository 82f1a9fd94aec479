// The Drizzle schema and the migrated database describe the same tables:
// the migrations are the source of truth, the Drizzle schema is how the code
// sees them, and this test fails the moment the two drift apart.
import { is, SQL } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  char,
  doublePrecision,
  getTableConfig,
  IndexedColumn,
  inet,
  integer,
  interval,
  json,
  numeric,
  PgDialect,
  PgTable,
  pgTable,
  serial,
  time,
  timestamp,
  varchar,
} from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import * as schema from '../src/schema/index.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';

/** What both sides must agree on, reduced to comparable values. */
interface TableShape {
  columns: Record<string, { type: string; notNull: boolean; hasDefault: boolean }>;
  primaryKey: string[];
  uniques: string[];
  foreignKeys: string[];
}

/** Tables the migrations create that the code reaches only through SQL functions and triggers. */
const notModeledInDrizzle: Record<string, string> = {
  'public.audit_logs': 'written by triggers and SECURITY DEFINER functions, read through SQL',
};

const tables = (Object.values(schema) as unknown[])
  .filter((value): value is PgTable => is(value, PgTable))
  .map((table) => getTableConfig(table));
const qualified = (tableSchema: string | undefined, name: string) => `${tableSchema ?? 'public'}.${name}`;

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

test('the schema exports the tenants table and the nine tenant tables', () => {
  expect(tables.map((t) => t.name).sort()).toEqual(expect.arrayContaining(['tenants', ...schema.tenantTableNames]));
});

describe.each(
  tables.map((config) => [qualified(config.schema, config.name), config] as const),
)('%s', (name, config) => {
  let modeled: TableShape;
  let actual: TableShape;
  beforeAll(async () => {
    modeled = drizzleShape(config);
    actual = await databaseShape(db, name);
  });

  test('has the same columns', () => {
    expect(Object.keys(actual.columns).sort()).toEqual(Object.keys(modeled.columns).sort());
  });

  test('has the same types, nullability and presence of defaults', () => {
    const shared = Object.keys(modeled.columns).filter((column) => column in actual.columns);
    expect(Object.fromEntries(shared.map((column) => [column, actual.columns[column]]))).toEqual(
      Object.fromEntries(shared.map((column) => [column, modeled.columns[column]])),
    );
  });

  test('has the same primary key', () => {
    expect(actual.primaryKey).toEqual(modeled.primaryKey);
  });

  test('has the same uniques', () => {
    expect(actual.uniques).toEqual(modeled.uniques);
  });

  test('has the same foreign keys', () => {
    expect(actual.foreignKeys).toEqual(modeled.foreignKeys);
  });
});

test('every table the migrations create in a modeled schema is in the Drizzle schema', async () => {
  const schemas = [...new Set(tables.map((t) => t.schema ?? 'public'))];
  const { rows } = await db.ownerQuery<{ name: string }>(
    `select n.nspname || '.' || c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = any($1::text[]) and c.relkind in ('r', 'p') and not c.relispartition order by 1`,
    [schemas],
  );
  const modeled = new Set(tables.map((t) => qualified(t.schema, t.name)));
  const missing = rows.map((r) => r.name).filter((n) => !modeled.has(n) && !(n in notModeledInDrizzle));
  expect(missing).toEqual([]);
});

// Guards the comparison itself: Drizzle's and PostgreSQL's spellings of the
// same types must compare equal, so a type mismatch above is a real one.
test('type spellings that differ between Drizzle and PostgreSQL compare equal', async () => {
  const probe = pgTable('type_spelling_probe', {
    a: serial('a'),
    b: bigserial('b', { mode: 'number' }),
    c: varchar('c', { length: 20 }),
    d: varchar('d'),
    e: timestamp('e', { precision: 3 }),
    f: timestamp('f', { precision: 6, withTimezone: true }),
    g: numeric('g', { precision: 10, scale: 2 }),
    h: doublePrecision('h'),
    i: char('i', { length: 2 }),
    j: time('j'),
    k: interval('k'),
    l: json('l'),
    m: inet('m'),
    n: integer('n').array().array(),
    o: bigint('o', { mode: 'number' }),
  });
  await db.ownerQuery(
    `create table type_spelling_probe (a serial, b bigserial, c varchar(20), d varchar, e timestamp(3),
       f timestamptz(6), g decimal(10, 2), h float8, i char(2), j time, k interval, l json, m inet, n int4[][], o int8)`,
  );
  try {
    const modeled = drizzleShape(getTableConfig(probe)).columns;
    expect((await databaseShape(db, 'public.type_spelling_probe')).columns).toEqual(modeled);
  } finally {
    await db.ownerQuery('drop table type_spelling_probe');
  }
});

const dialect = new PgDialect();
const unquote = (text: string) => text.replace(/"/g, '');
const list = (columns: readonly string[]) => `(${columns.join(', ')})`;

function drizzleShape(config: ReturnType<typeof getTableConfig>): TableShape {
  const columns: TableShape['columns'] = {};
  for (const column of config.columns) {
    columns[column.name] = {
      type: normalizeType(column.getSQLType()),
      notNull: column.notNull,
      hasDefault: hasDatabaseDefault(column),
    };
  }
  const primaryKey =
    config.primaryKeys[0]?.columns.map((c) => c.name) ?? config.columns.filter((c) => c.primary).map((c) => c.name);
  const uniques = [
    ...config.uniqueConstraints.map((u) =>
      uniqueText(
        u.columns.map((c) => c.name),
        u.nullsNotDistinct,
      ),
    ),
    ...config.columns.filter((c) => c.isUnique).map((c) => uniqueText([c.name], c.uniqueType === 'not distinct')),
    ...config.indexes
      .filter((i) => i.config.unique)
      .map((i) =>
        uniqueText(
          i.config.columns.map((c) =>
            is(c, IndexedColumn) ? (c.name ?? '?') : is(c, SQL) ? unquote(dialect.sqlToQuery(c).sql) : '?',
          ),
          false,
          i.config.where && dialect.sqlToQuery(i.config.where).sql,
        ),
      ),
  ].sort();
  const foreignKeys = config.foreignKeys
    .map((fk) => {
      const ref = fk.reference();
      const target = getTableConfig(ref.foreignTable);
      return foreignKeyText(
        ref.columns.map((c) => c.name),
        qualified(target.schema, target.name),
        ref.foreignColumns.map((c) => c.name),
        fk.onDelete ?? 'no action',
        fk.onUpdate ?? 'no action',
      );
    })
    .sort();
  return { columns, primaryKey, uniques, foreignKeys };
}

/**
 * Whether PostgreSQL fills the column when an insert omits it: a SQL default,
 * serial, identity or generated. A JavaScript-side $defaultFn or $onUpdateFn
 * needs no database default.
 */
function hasDatabaseDefault(column: ReturnType<typeof getTableConfig>['columns'][number]): boolean {
  if (column.default !== undefined || column.generated !== undefined || column.generatedIdentity !== undefined) {
    return true;
  }
  return column.hasDefault && column.defaultFn === undefined && column.onUpdateFn === undefined;
}

async function databaseShape(db: TestDatabase, table: string): Promise<TableShape> {
  const exists = await db.ownerQuery<{ oid: string | null }>('select to_regclass($1)::text as oid', [table]);
  if (!exists.rows[0]?.oid) throw new Error(`${table} is in the Drizzle schema but not in the migrated database`);

  const columnRows = await db.ownerQuery<{ name: string; type: string; not_null: boolean; has_default: boolean }>(
    `select a.attname as name, format_type(a.atttypid, a.atttypmod) as type, a.attnotnull as not_null,
            (a.atthasdef or a.attidentity <> '' or a.attgenerated <> '') as has_default
     from pg_attribute a where a.attrelid = $1::regclass and a.attnum > 0 and not a.attisdropped`,
    [table],
  );
  const columns: TableShape['columns'] = {};
  for (const c of columnRows.rows) {
    columns[c.name] = { type: normalizeType(c.type), notNull: c.not_null, hasDefault: c.has_default };
  }

  const columnsOf = (keys: string, rel: string) =>
    `array(select a.attname::text from unnest(${keys}) with ordinality k(attnum, ord)
           join pg_attribute a on a.attrelid = ${rel} and a.attnum = k.attnum order by k.ord)`;
  const constraints = await db.ownerQuery<{
    type: 'p' | 'u' | 'f';
    columns: string[];
    ref_table: string | null;
    ref_columns: string[];
    on_delete: string;
    on_update: string;
    nulls_not_distinct: boolean;
  }>(
    `select c.contype as type, ${columnsOf('c.conkey', 'c.conrelid')} as columns,
            case when c.confrelid <> 0 then rn.nspname || '.' || r.relname end as ref_table,
            ${columnsOf('c.confkey', 'c.confrelid')} as ref_columns,
            c.confdeltype as on_delete, c.confupdtype as on_update,
            coalesce(i.indnullsnotdistinct, false) as nulls_not_distinct
     from pg_constraint c
     left join pg_class r on r.oid = c.confrelid
     left join pg_namespace rn on rn.oid = r.relnamespace
     left join pg_index i on i.indexrelid = c.conindid and c.contype = 'u'
     where c.conrelid = $1::regclass and c.contype in ('p', 'u', 'f')`,
    [table],
  );
  // Unique indexes that back no constraint (partial or expression uniques).
  const indexes = await db.ownerQuery<{ columns: string[]; predicate: string | null; nulls_not_distinct: boolean }>(
    `select array(select pg_get_indexdef(i.indexrelid, k, true) from generate_series(1, i.indnkeyatts) k) as columns,
            pg_get_expr(i.indpred, i.indrelid, true) as predicate, i.indnullsnotdistinct as nulls_not_distinct
     from pg_index i
     where i.indrelid = $1::regclass and i.indisunique and not i.indisprimary
       and not exists (select from pg_constraint c where c.conindid = i.indexrelid)`,
    [table],
  );

  const rows = constraints.rows;
  return {
    columns,
    primaryKey: rows.find((c) => c.type === 'p')?.columns ?? [],
    uniques: [
      ...rows.filter((c) => c.type === 'u').map((c) => uniqueText(c.columns, c.nulls_not_distinct)),
      ...indexes.rows.map((i) => uniqueText(i.columns.map(unquote), i.nulls_not_distinct, i.predicate)),
    ].sort(),
    foreignKeys: rows
      .filter((c) => c.type === 'f')
      .map((c) =>
        foreignKeyText(
          c.columns,
          c.ref_table ?? '?',
          c.ref_columns,
          referentialAction(c.on_delete),
          referentialAction(c.on_update),
        ),
      )
      .sort(),
  };
}

function uniqueText(columns: string[], nullsNotDistinct: boolean, predicate?: string | null): string {
  const where = predicate ? ` where ${normalizePredicate(predicate)}` : '';
  return `${list(columns)}${nullsNotDistinct ? ' nulls not distinct' : ''}${where}`;
}

/** A partial index's predicate without the quoting, qualifying and parentheses that differ between writers. */
function normalizePredicate(predicate: string): string {
  return unquote(predicate)
    .toLowerCase()
    .replace(/\b[a-z_][a-z0-9_]*\.(?=[a-z_])/g, '')
    .replace(/[()]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

function foreignKeyText(columns: string[], refTable: string, refColumns: string[], onDelete: string, onUpdate: string) {
  return `${list(columns)} → ${refTable} ${list(refColumns)} on delete ${onDelete} on update ${onUpdate}`;
}

/**
 * pg_constraint's action letter in Drizzle's words. Drizzle cannot express
 * `set null (column, …)`, so the column list is not compared here; the
 * migrations test checks it.
 */
function referentialAction(letter: string): string {
  const actions: Record<string, string> = {
    a: 'no action',
    r: 'restrict',
    c: 'cascade',
    n: 'set null',
    d: 'set default',
  };
  return actions[letter] ?? `unknown (${letter})`;
}

/**
 * One spelling per type: Drizzle writes `varchar(20)`, `timestamp (3)` and
 * `serial`; PostgreSQL's format_type writes `character varying(20)`,
 * `timestamp(3) without time zone` and `integer`.
 */
function normalizeType(sqlType: string): string {
  let type = sqlType.trim().toLowerCase().replace(/"/g, '').replace(/\s+/g, ' ');
  type = type
    .replace(/\s*\(\s*/g, '(')
    .replace(/\s*,\s*/g, ',')
    .replace(/\s*\)/g, ')');
  // PostgreSQL does not enforce an array's declared dimensions: int[][] is int[].
  const array = /(\[\d*\])+$/.test(type);
  type = type.replace(/(\[\d*\])+$/, '');
  const aliases: [RegExp, string][] = [
    [/^serial$|^serial4$|^int$|^int4$/, 'integer'],
    [/^bigserial$|^serial8$|^int8$/, 'bigint'],
    [/^smallserial$|^serial2$|^int2$/, 'smallint'],
    [/^float8$|^double$/, 'double precision'],
    [/^float4$/, 'real'],
    [/^bool$/, 'boolean'],
    [/^decimal/, 'numeric'],
    [/^varchar/, 'character varying'],
    [/^char(?=\(|$)/, 'character'],
    [/^timestamptz(\(\d+\))?$/, 'timestamp$1 with time zone'],
    [/^timestamp(\(\d+\))?$/, 'timestamp$1 without time zone'],
    [/^timetz(\(\d+\))?$/, 'time$1 with time zone'],
    [/^time(\(\d+\))?$/, 'time$1 without time zone'],
    // format_type qualifies types outside the search path (audit.operation); Drizzle names them bare.
    [/^[a-z_][a-z0-9_$]*\.(?=[a-z_])/, ''],
  ];
  for (const [pattern, replacement] of aliases) type = type.replace(pattern, replacement);
  return array ? `${type}[]` : type;
}
