import type { SqlRunner } from '../sql-runner.ts';
import { type CheckResult, checkResult } from './tenant-isolation.ts';

// Every table with a tenant_id column (a partition goes where its parent
// goes) and the foreign keys on it that hold tenant_id, with the ones whose
// action would write the distribution column: SET NULL or SET DEFAULT on
// delete, anything but NO ACTION or RESTRICT on update.
const keyActionsSql = `
  with tenant_tables as (
    select c.oid, a.attnum as tenant_att, format('%I.%I', n.nspname, c.relname) as name
    from pg_class c
    join pg_namespace n on n.oid = c.relnamespace
    join pg_attribute a on a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped
    where c.relkind in ('r', 'p') and not c.relispartition
      and n.nspname not in ('pg_catalog', 'information_schema', 'drizzle')
  )
  select t.name, count(k.oid)::int as keys,
    coalesce(array_agg(k.conname::text || ': ' || concat_ws(', ',
        case k.confdeltype when 'n' then 'on delete set null' when 'd' then 'on delete set default' end,
        case k.confupdtype when 'c' then 'on update cascade' when 'n' then 'on update set null'
                           when 'd' then 'on update set default' end) order by k.conname)
      filter (where k.confdeltype in ('n', 'd') or k.confupdtype in ('c', 'n', 'd')), '{}') as bad
  from tenant_tables t
  left join pg_constraint k on k.conrelid = t.oid and k.contype = 'f' and t.tenant_att = any (k.conkey)
  group by t.name order by t.name`;

/**
 * Citus refuses a foreign key that holds the distribution column when its
 * action would write that key: SET NULL or SET DEFAULT on delete (even
 * `set null (column)`, which clears only the other column), and CASCADE,
 * SET NULL or SET DEFAULT on update. The door that deletes a referenced row
 * clears its references itself, in its own transaction (docs/citus.md,
 * step 2).
 */
export async function checkKeyActions(run: SqlRunner): Promise<CheckResult[]> {
  const { rows } = await run<{ name: string; keys: number; bad: string[] }>(keyActionsSql);
  return rows.map((table) =>
    checkResult(
      'citus_no_set_null_keys',
      table.name,
      table.bad.length === 0
        ? null
        : {
            detail: `${table.bad.join('; ')}: Citus refuses such an action on a key that holds tenant_id`,
            fix: 'declare the key without the action (no action), and have the door that deletes the referenced row clear the reference first, in its transaction',
          },
      'error',
      `${table.keys} foreign keys with tenant_id, none sets null or default`,
    ),
  );
}
