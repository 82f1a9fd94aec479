import type { SqlRunner } from '../sql-runner.ts';
import { type CheckResult, checkResult } from './tenant-isolation.ts';

// Every view and materialized view that reads a tenant table (row-secured or
// with tenant_id), directly or through other views, with its options.
const viewsOverTenantTablesSql = `
  with recursive reads as (
    select distinct r.ev_class as view, d.refobjid as rel
    from pg_rewrite r
    join pg_depend d on d.classid = 'pg_rewrite'::regclass and d.objid = r.oid
      and d.refclassid = 'pg_class'::regclass and d.refobjid <> r.ev_class
  ), reach (view, rel) as (
    select view, rel from reads
    union
    select reach.view, reads.rel from reach join reads on reads.view = reach.rel
  )
  select format('%I.%I', n.nspname, v.relname) as name, v.relkind::text as kind,
    coalesce(v.reloptions, '{}') as options,
    array_agg(distinct format('%I.%I', tn.nspname, t.relname)) as tables
  from reach
  join pg_class v on v.oid = reach.view
  join pg_namespace n on n.oid = v.relnamespace
  join pg_class t on t.oid = reach.rel and t.relkind in ('r', 'p')
  join pg_namespace tn on tn.oid = t.relnamespace
  where v.relkind in ('v', 'm') and n.nspname not in ('pg_catalog', 'information_schema')
    and (t.relrowsecurity or exists (
      select from pg_attribute a where a.attrelid = t.oid and a.attname = 'tenant_id' and not a.attisdropped))
  group by n.nspname, v.relname, v.relkind, v.reloptions
  order by 1`;

interface ViewFacts extends Record<string, unknown> {
  name: string;
  kind: 'v' | 'm';
  options: string[];
  tables: string[];
}

const invokerOption = /^security_invoker=(true|on|yes|1)$/i;

/**
 * A view runs with its owner's rights unless it has `security_invoker`, and
 * the owner of the tables is who RLS binds least: such a view over a tenant
 * table can show every tenant's rows. A materialized view stores rows
 * computed by its owner and cannot carry a policy, so none may read a tenant
 * table at all.
 */
export async function checkViews(run: SqlRunner): Promise<CheckResult[]> {
  const { rows } = await run<ViewFacts>(viewsOverTenantTablesSql);
  if (rows.length === 0) {
    return [checkResult('view_security_invoker', 'views', null, 'error', 'no view reads a tenant table')];
  }
  return rows.map((view) => {
    const over = `reads ${view.tables.sort().join(', ')}`;
    if (view.kind === 'm') {
      return checkResult('view_security_invoker', view.name, {
        detail: `materialized view ${over}: its rows were computed by its owner and no policy applies to them`,
        fix: `drop materialized view ${view.name}; (use a security_invoker view instead)`,
      });
    }
    const invoker = view.options.some((o) => invokerOption.test(o));
    return checkResult(
      'view_security_invoker',
      view.name,
      invoker
        ? null
        : {
            detail: `view ${over} with its owner's rights, past each tenant's policy`,
            fix: `alter view ${view.name} set (security_invoker = true);`,
          },
      'error',
      `${over} as the querying role`,
    );
  });
}
