import { type Attempt, attempt, literal } from './attempt.ts';
import type { SelftestCheck } from './selftest-check.ts';
import { type AttackSetup, inRolledBackTenant, ownContext } from './tenant-attacks.ts';
import type { TenantTable } from './tenant-tables.ts';

/** Rows of tenants other than A a table showed, or the SQLSTATE that refused the read. */
export const foreignRows = (table: TenantTable, a: string) =>
  `select count(*)::int from ${table.qualified} where ${table.tenantColumn} is distinct from ${literal(a)}`;

/** The count a {@link foreignRows} read returned; a refused read showed none. */
export const seen = (outcome: Attempt) => ('refused' in outcome ? 0 : Number(outcome.values[0] ?? 0));

/**
 * Inside A's verified context, each attack tries to switch the tenant the
 * row policies trust (the plain setting, SET, SET LOCAL, RESET, RESET ALL,
 * an emptied context, B's context copied from B's own earlier transaction,
 * A's context edited to name B); then every tenant table is read for rows
 * that are not A's. Rolled back, so nothing is left on the connection.
 */
export async function contextSwitchChecks(
  setup: AttackSetup,
  tables: TenantTable[],
  copiedB: string,
): Promise<SelftestCheck[]> {
  const b = literal(setup.b.id);
  const attacks: [name: string, statement: (own: string) => string][] = [
    ["set_config('app.current_tenant_id', B, true)", () => `select set_config('app.current_tenant_id', ${b}, true)`],
    ["set_config('app.current_tenant_id', B, false)", () => `select set_config('app.current_tenant_id', ${b}, false)`],
    ['set app.current_tenant_id = B', () => `set app.current_tenant_id = ${b}`],
    ['set local app.current_tenant_id = B', () => `set local app.current_tenant_id = ${b}`],
    ['reset app.current_tenant_id', () => 'reset app.current_tenant_id'],
    ['reset all', () => 'reset all'],
    ["set_config('app.context', '', true)", () => `select set_config('app.context', '', true)`],
    ['reset app.context', () => 'reset app.context'],
    [
      "replay B's context from another transaction (set_config)",
      () => `select set_config('app.context', ${literal(copiedB)}, true)`,
    ],
    ["replay B's context from another transaction (set)", () => `set app.context = ${literal(copiedB)}`],
    [
      "A's own context edited to name B",
      (own) => `select set_config('app.context', ${literal(own.split(setup.a.id).join(setup.b.id))}, true)`,
    ],
  ];
  const checks: SelftestCheck[] = [];
  for (const [name, statement] of attacks) {
    const observed = await inRolledBackTenant(setup, async (tx) => {
      const own = await ownContext(tx);
      const switched = await attempt(tx, statement(own));
      const leaks: string[] = [];
      for (const table of tables) {
        const rows = seen(await attempt(tx, foreignRows(table, setup.a.id)));
        if (rows > 0) leaks.push(`${table.name}: ${rows}`);
      }
      return { switched, leaks };
    });
    checks.push({
      name: `sql context: ${name}`,
      tried: `in A's verified context, ${name}, then read ${tables.length} tenant tables for rows that are not A's`,
      result: observed.leaks.length === 0 ? 'held' : 'failed',
      detail:
        observed.leaks.length === 0
          ? `no foreign rows (the attack itself ${'refused' in observed.switched ? `was refused: ${observed.switched.refused}` : 'ran'})`
          : `foreign rows visible: ${observed.leaks.join(', ')}`,
    });
  }
  return checks;
}
