import type { SqlRunner } from '../sql-runner.ts';
import { citusDistributedByOtherKey, citusReferenceTables } from './citus-table-roles.ts';
import { type CheckResult, checkResult } from './tenant-isolation.ts';

// The trigger functions fired on the tables Citus would shard (those with a
// tenant_id column, the reference tables, those distributed by chain; a partition counts as
// its root), and whether their source reads the name the trigger fired
// under. A `raise` statement's text is left out: a name in an error message
// is only shown, never stored or branched on.
const triggerNamesSql = `
  select f.oid::regprocedure::text as function_name,
    array_agg(distinct format('%I.%I', n.nspname, c.relname) order by format('%I.%I', n.nspname, c.relname)) as tables,
    bool_or(f.prolang = (select l.oid from pg_language l where l.lanname = 'plpgsql')
            and regexp_replace(f.prosrc, '\\mraise\\M[^;]*;', '', 'gi') ~* '\\mtg_(table_name|relname)\\M') as reads_name
  from pg_trigger t
  join pg_class c on c.oid = coalesce(pg_partition_root(t.tgrelid), t.tgrelid)
  join pg_namespace n on n.oid = c.relnamespace
  join pg_proc f on f.oid = t.tgfoid
  where not t.tgisinternal
    and (exists (select from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped)
         or format('%I.%I', n.nspname, c.relname) = any ($1::text[]))
  group by f.oid
  order by 1`;

/**
 * On Citus a trigger of a distributed or reference table fires on its
 * shards, whose names carry a shard id (`tenants_102008`), so a function
 * that stores or branches on `tg_table_name` would name a shard in the
 * ledger or take the wrong branch. Such functions name their table through
 * `tg_relid` (`audit.logical_table`), which maps a shard or a partition to
 * the table the schema declares.
 */
export async function checkTriggerTableNames(run: SqlRunner): Promise<CheckResult[]> {
  const { rows } = await run<{ function_name: string; tables: string[]; reads_name: boolean }>(triggerNamesSql, [
    [...citusReferenceTables, ...Object.keys(citusDistributedByOtherKey)],
  ]);
  return rows.map((fn) =>
    checkResult(
      'citus_trigger_table_names',
      fn.function_name,
      fn.reads_name
        ? {
            detail: `reads tg_table_name, which on a Citus shard names the shard, not ${fn.tables.join(', ')}`,
            fix: 'name the table through tg_relid: (select relname from pg_class where oid = audit.logical_table(tg_relid))',
          }
        : null,
      'error',
      `fires on ${fn.tables.length} table(s); stores and branches on no tg_table_name`,
    ),
  );
}
