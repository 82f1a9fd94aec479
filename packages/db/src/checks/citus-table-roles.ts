import type { SqlRunner } from '../sql-runner.ts';
import { type CheckResult, checkResult } from './tenant-isolation.ts';

/**
 * What docs/citus.md decides for each table, as the doctor holds the schema
 * to it: tables with `tenant_id` are distributed by it (one colocation
 * group, so its type must be `text` everywhere, like `tenants.id`), these
 * are replicated to every node as reference tables, and everything else
 * stays on the coordinator.
 */
export const citusReferenceTables = [
  'public.tenants',
  'platform.context_keys',
  // What the ledger's write path reads where the row lands.
  'audit.sealed_columns',
  'audit.personal_metadata_keys',
  'audit.subject_columns',
  'audit.column_classes',
  'audit.subject_secret',
];

/**
 * Tables without `tenant_id` that the plan distributes beside their tenant's
 * events, and the column each is distributed by: a chain's name is its
 * tenant's id (`''` for the system chain).
 */
export const citusDistributedByOtherKey: Record<string, string> = {
  'audit.seals': 'chain',
  'audit.tree_nodes': 'chain',
  'audit.checkpoints': 'chain',
  'audit.retention_records': 'chain',
  'audit.legal_holds': 'chain',
  'audit.refused_events': 'named_tenant',
};

// Every table with a tenant_id column (a partition goes where its parent goes): its type and nullability.
const columnsSql = `
  select format('%I.%I', n.nspname, c.relname) as name, format_type(a.atttypid, a.atttypmod) as type,
         a.attnotnull as not_null
  from pg_class c
  join pg_namespace n on n.oid = c.relnamespace
  join pg_attribute a on a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped
  where c.relkind in ('r', 'p') and not c.relispartition
      and n.nspname not in ('pg_catalog', 'information_schema', 'drizzle')
  order by 1`;

/** The oid of every table with a tenant_id column (a partition goes where its parent goes). */
export const tenantTableOidsSql = `
  select c.oid from pg_catalog.pg_class c
  join pg_catalog.pg_namespace n on n.oid = c.relnamespace
  join pg_catalog.pg_attribute a on a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped
  where c.relkind in ('r', 'p') and not c.relispartition
    and n.nspname not in ('pg_catalog', 'information_schema', 'drizzle')`;

// Every foreign key with a side that has a tenant_id column and a side that has none.
const crossingKeysSql = `
  with tenant_tables as (${tenantTableOidsSql})
  select k.conname::text as key_name, format('%I.%I', cn.nspname, c.relname) as child,
         format('%I.%I', pn.nspname, p.relname) as parent, k.conrelid in (select oid from tenant_tables) as child_is_tenant
  from pg_constraint k
  join pg_class c on c.oid = k.conrelid join pg_namespace cn on cn.oid = c.relnamespace
  join pg_class p on p.oid = k.confrelid join pg_namespace pn on pn.oid = p.relnamespace
  where k.contype = 'f'
    and (k.conrelid in (select oid from tenant_tables)) <> (k.confrelid in (select oid from tenant_tables))
  order by 2, 1`;

/**
 * The distribution column: `tenant_id` is `text` on every table that has
 * one (tables colocate only when their distribution columns share a type)
 * and `not null` (Citus refuses a row whose distribution column is null):
 * the ledger's system chain is '' (migration 0070).
 */
export async function checkDistributionColumns(run: SqlRunner): Promise<CheckResult[]> {
  const { rows } = await run<{ name: string; type: string; not_null: boolean }>(columnsSql);
  return rows.map((table) => {
    const problems = [
      table.type !== 'text' && `tenant_id is ${table.type}, not text like tenants.id, so it cannot colocate`,
      !table.not_null && 'tenant_id is nullable, and Citus refuses a row whose distribution column is null',
    ].filter((p): p is string => typeof p === 'string');
    return checkResult(
      'citus_distribution_column',
      table.name,
      problems.length === 0
        ? null
        : {
            detail: problems.join('; '),
            fix: `alter table ${table.name} alter column tenant_id type text, alter column tenant_id set not null;`,
          },
      'error',
      'tenant_id text not null',
    );
  });
}

/**
 * Foreign keys across the line between distributed and other tables: a
 * distributed table may reference only a reference table, and no reference
 * or coordinator table may reference a distributed one (Citus supports
 * neither direction otherwise).
 */
export async function checkCrossingForeignKeys(run: SqlRunner): Promise<CheckResult[]> {
  const { rows } = await run<{ key_name: string; child: string; parent: string; child_is_tenant: boolean }>(
    crossingKeysSql,
  );
  return rows.map((key) => {
    const problem = key.child_is_tenant
      ? !citusReferenceTables.includes(key.parent) && {
          detail: `${key.parent} has no tenant_id and is not a reference table in docs/citus.md, so the distributed ${key.child} cannot reference it`,
          fix: `give ${key.parent} a tenant_id (and key it by tenant), or make it a reference table in docs/citus.md and citusReferenceTables`,
        }
      : {
          detail: `${key.child} has no tenant_id, so it stays on the coordinator or is a reference table, and neither may reference the distributed ${key.parent}`,
          fix: `add tenant_id to ${key.child} and reference ${key.parent} by (tenant_id, …)`,
        };
    return checkResult(
      'citus_foreign_keys',
      `${key.child} ${key.key_name}`,
      problem || null,
      'error',
      `references the reference table ${key.parent}`,
    );
  });
}
