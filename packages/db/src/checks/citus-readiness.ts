import type { SqlRunner } from '../sql-runner.ts';
import { checkKeyActions } from './citus-key-actions.ts';
import { checkPolicyFunctions } from './citus-policy-functions.ts';
import { checkCrossingForeignKeys, checkDistributionColumns, citusDistributedByOtherKey } from './citus-table-roles.ts';
import { checkTriggerTableNames } from './citus-trigger-names.ts';
import { type CheckResult, checkResult } from './tenant-isolation.ts';

// The tables Citus would distribute: tenant-scoped ones (tenant_id NOT NULL)
// and those the plan distributes by another column ($1, $2: table, column),
// with, for each, whether every primary key, unique or exclusion constraint
// and unique index includes the distribution column, and every foreign key
// into another distributed table pairs the two distribution columns.
// Foreign keys to other tables (tenants itself) point at what Citus would
// make a reference table, and are fine.
const keysSql = `
  with distributed as (
    select c.oid, a.attnum as dist_att, a.attname::text as dist_column, a.attnotnull as not_null,
           format('%I.%I', n.nspname, c.relname) as name
    from pg_class c
    join pg_namespace n on n.oid = c.relnamespace
    join pg_attribute a on a.attrelid = c.oid and not a.attisdropped
    where c.relkind in ('r', 'p') and not c.relispartition
      and n.nspname not in ('pg_catalog', 'information_schema', 'drizzle')
      and ((a.attname = 'tenant_id' and a.attnotnull)
           or (format('%I.%I', n.nspname, c.relname), a.attname::text) in (select * from unnest($1::text[], $2::text[])))
  ), keys as (
    select t.name as table_name, k.conname::text as key_name, k.contype::text as kind,
      case when k.contype = 'f'
        then rt.oid is null
          or coalesce(array_position(k.conkey, t.dist_att) = array_position(k.confkey, rt.dist_att), false)
        else t.dist_att = any(k.conkey)
      end as ok
    from pg_constraint k
    join distributed t on t.oid = k.conrelid
    left join distributed rt on rt.oid = k.confrelid
    where k.contype in ('p', 'u', 'f', 'x')
    union all
    select t.name, i.indexrelid::regclass::text, 'i', t.dist_att = any(i.indkey::int2[])
    from pg_index i
    join distributed t on t.oid = i.indrelid
    where i.indisunique and not exists (select from pg_constraint k where k.conindid = i.indexrelid and k.conrelid = i.indrelid)
  )
  select t.name, t.dist_column, t.not_null, count(k.key_name)::int as keys,
    coalesce(array_agg(k.kind || ':' || k.key_name order by k.key_name) filter (where not k.ok), '{}') as bad
  from distributed t left join keys k on k.table_name = t.name
  group by t.name, t.dist_column, t.not_null order by t.name`;

const kindNames: Record<string, string> = {
  p: 'primary key',
  u: 'unique constraint',
  x: 'exclusion constraint',
  i: 'unique index',
  f: 'foreign key',
};

/**
 * The rules docs/citus.md states, so the schema stays ready to be
 * distributed by tenant: keys that include tenant_id, one distribution
 * column type, foreign keys only towards reference tables and never with
 * an action that writes the distribution column, policies that call only
 * what every worker has, and trigger functions that name their table the
 * same on a shard as on one server.
 */
export async function checkCitusReadiness(run: SqlRunner): Promise<CheckResult[]> {
  return [
    ...(await checkCitusKeys(run)),
    ...(await checkDistributionColumns(run)),
    ...(await checkCrossingForeignKeys(run)),
    ...(await checkKeyActions(run)),
    ...(await checkPolicyFunctions(run)),
    ...(await checkTriggerTableNames(run)),
  ];
}

/**
 * Citus distributes tables by one column and can enforce a key only when it
 * includes that column: every key on a tenant table must include tenant_id
 * (on the chain tables, their chain), a foreign key between distributed
 * tables must match the two, and the column must hold no null.
 */
async function checkCitusKeys(run: SqlRunner): Promise<CheckResult[]> {
  const byOtherKey = Object.entries(citusDistributedByOtherKey);
  const { rows } = await run<{ name: string; dist_column: string; not_null: boolean; keys: number; bad: string[] }>(
    keysSql,
    [byOtherKey.map(([table]) => table), byOtherKey.map(([, column]) => column)],
  );
  return rows.map((table) => {
    const column = table.dist_column;
    const bad = table.bad.map((entry) => {
      const [kind = '', ...name] = entry.split(':');
      return `${kindNames[kind] ?? kind} ${name.join(':')}`;
    });
    const problems = [
      bad.length > 0 && `${bad.join(', ')} ${bad.length === 1 ? 'does' : 'do'} not include ${column}`,
      !table.not_null && `${column} is nullable`,
    ].filter((p): p is string => typeof p === 'string');
    return checkResult(
      'citus_keys',
      table.name,
      problems.length === 0
        ? null
        : {
            detail: `${problems.join('; ')}, so the table cannot be distributed by ${column}`,
            fix: `rebuild each key with ${column} in it (foreign keys: (${column}, col) references t (${column}, id)); alter column ${column} set not null`,
          },
      'error',
      `${table.keys} keys include ${column}`,
    );
  });
}
