import type { SqlRunner } from '../sql-runner.ts';
import { checkKeyActions } from './citus-key-actions.ts';
import { checkPolicyFunctions } from './citus-policy-functions.ts';
import { checkCrossingForeignKeys, checkDistributionColumns } from './citus-table-roles.ts';
import { checkTriggerTableNames } from './citus-trigger-names.ts';
import { type CheckResult, checkResult } from './tenant-isolation.ts';

// Tenant-scoped tables (tenant_id NOT NULL) and, for each, whether every
// primary key, unique or exclusion constraint and unique index includes
// tenant_id, and every foreign key into another tenant table pairs tenant_id
// with tenant_id. Foreign keys to tables without tenant_id (tenants itself)
// point at what Citus would make a reference table, and are fine.
const keysSql = `
  with tenant_tables as (
    select c.oid, a.attnum as tenant_att, format('%I.%I', n.nspname, c.relname) as name
    from pg_class c
    join pg_namespace n on n.oid = c.relnamespace
    join pg_attribute a on a.attrelid = c.oid and a.attname = 'tenant_id' and a.attnotnull and not a.attisdropped
    where c.relkind in ('r', 'p') and not c.relispartition
      and n.nspname not in ('pg_catalog', 'information_schema', 'drizzle')
  ), keys as (
    select t.name as table_name, k.conname::text as key_name, k.contype::text as kind,
      case when k.contype = 'f'
        then rt.oid is null
          or coalesce(array_position(k.conkey, t.tenant_att) = array_position(k.confkey, rt.tenant_att), false)
        else t.tenant_att = any(k.conkey)
      end as ok
    from pg_constraint k
    join tenant_tables t on t.oid = k.conrelid
    left join tenant_tables rt on rt.oid = k.confrelid
    where k.contype in ('p', 'u', 'f', 'x')
    union all
    select t.name, i.indexrelid::regclass::text, 'i', t.tenant_att = any(i.indkey::int2[])
    from pg_index i
    join tenant_tables t on t.oid = i.indrelid
    where i.indisunique and not exists (select from pg_constraint k where k.conindid = i.indexrelid and k.conrelid = i.indrelid)
  )
  select t.name, count(k.key_name)::int as keys,
    coalesce(array_agg(k.kind || ':' || k.key_name order by k.key_name) filter (where not k.ok), '{}') as bad
  from tenant_tables t left join keys k on k.table_name = t.name
  group by t.name order by t.name`;

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
 * includes that column: every key on a tenant table must include tenant_id,
 * and a foreign key between tenant tables must match tenant_id to tenant_id.
 */
async function checkCitusKeys(run: SqlRunner): Promise<CheckResult[]> {
  const { rows } = await run<{ name: string; keys: number; bad: string[] }>(keysSql);
  return rows.map((table) => {
    const bad = table.bad.map((entry) => {
      const [kind = '', ...name] = entry.split(':');
      return `${kindNames[kind] ?? kind} ${name.join(':')}`;
    });
    return checkResult(
      'citus_keys',
      table.name,
      bad.length === 0
        ? null
        : {
            detail: `${bad.join(', ')} ${bad.length === 1 ? 'does' : 'do'} not include tenant_id, so the table cannot be distributed by tenant`,
            fix: 'rebuild each key with tenant_id as its first column (foreign keys: (tenant_id, col) references t (tenant_id, id))',
          },
      'error',
      `${table.keys} keys include tenant_id`,
    );
  });
}
