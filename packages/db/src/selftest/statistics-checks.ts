import { attempt } from './attempt.ts';
import type { SelftestCheck } from './selftest-check.ts';
import { type AttackSetup, inRolledBackTenant } from './tenant-attacks.ts';

/** Column statistics of tables under row security that a view shows the runtime role. */
const statsOfRowSecuredTables = (view: string) => `
  select count(*)::int from ${view} s
    join pg_namespace n on n.nspname = s.schemaname
    join pg_class c on c.relnamespace = n.oid and c.relname = s.tablename
   where c.relrowsecurity`;

/**
 * What the planner's statistics tell the runtime role about rows it may
 * not read. `pg_stats` holds each column's most common values and
 * histogram, so a row of it for a tenant table would show other tenants'
 * values; PostgreSQL hides those rows from a role under row security
 * (`row_security_active`), and so do the extended-statistics views. Row
 * totals (`pg_class.reltuples`, `pg_stat_user_tables`) stay readable: a
 * number across all tenants, no value and no tenant split; noted, not failed.
 */
export async function statisticsChecks(setup: AttackSetup): Promise<SelftestCheck[]> {
  return inRolledBackTenant(setup, async (tx) => {
    const checks: SelftestCheck[] = [];
    for (const view of ['pg_stats', 'pg_stats_ext', 'pg_stats_ext_exprs']) {
      const outcome = await attempt(tx, statsOfRowSecuredTables(view));
      const rows = 'refused' in outcome ? 0 : Number(outcome.values[0] ?? 0);
      checks.push({
        name: `statistics: ${view}`,
        tried: `read ${view} (most common values, histograms) for tables under row security`,
        result: rows === 0 ? 'held' : 'failed',
        detail: 'refused' in outcome ? `refused (${outcome.refused})` : `${rows} statistics rows visible`,
      });
    }
    const totals = await attempt(
      tx,
      `select coalesce(sum(greatest(c.reltuples, 0)), 0)::bigint from pg_class c where c.relrowsecurity and c.relkind = 'r'`,
    );
    checks.push({
      name: 'statistics: row totals',
      tried: 'read pg_class.reltuples and pg_stat_user_tables for tables under row security',
      result: 'noted',
      detail:
        'refused' in totals
          ? `refused (${totals.refused})`
          : 'readable: estimated row counts summed over every tenant (no values, no tenant split)',
    });
    return checks;
  });
}
