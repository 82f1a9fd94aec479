import { sql } from 'drizzle-orm';
import { connectionResidueChecks } from './connection-residue-checks.ts';
import { contextSwitchChecks } from './context-switch-checks.ts';
import { ledgerDoorChecks } from './ledger-door-checks.ts';
import { liveContextChecks } from './live-context-checks.ts';
import { retentionDoorChecks } from './retention-door-checks.ts';
import { rowChecks } from './row-checks.ts';
import type { SelftestCheck } from './selftest-check.ts';
import { sinkDoorChecks } from './sink-door-checks.ts';
import { statisticsChecks } from './statistics-checks.ts';
import { type AttackSetup, inRolledBackTenant, ownContext } from './tenant-attacks.ts';
import { tenantTablesVisibleTo } from './tenant-tables.ts';

/**
 * The SQL half of `skillhub selftest`: as the runtime role, through the
 * same `Database` (pool, pooler, signed context) the server uses, from
 * canary A's verified context against canary B: every tenant table read,
 * written and moved; every way of switching the context, B's context taken
 * while B's transaction runs included; every door into
 * the ledger; the planner's statistics; what A's SQL leaves on a pooled
 * connection (temporary objects, prepared statements) for B's next request. B must hold rows in the tables it
 * is attacked through (the caller seeds them).
 *
 * @example
 *   const checks = await runSqlIsolationChecks({ db, a, b, actor });
 *   const leaks = checks.filter((c) => c.result === 'failed');
 */
export async function runSqlIsolationChecks(setup: AttackSetup): Promise<SelftestCheck[]> {
  const copied = await inRolledBackTenant(
    setup,
    async (tx) => ({
      context: await ownContext(tx),
      skill: (await tx.execute<{ id: string }>(sql`select id::text as id from skills limit 1`)).rows[0]?.id,
    }),
    setup.b,
  );
  if (!copied.skill) throw new Error(`canary ${setup.b.slug} has no skill to attack`);
  const tables = await inRolledBackTenant(setup, tenantTablesVisibleTo);
  const checks = await rowChecks(setup, tables);
  checks.push(...(await contextSwitchChecks(setup, tables, copied.context)));
  checks.push(...(await liveContextChecks(setup, tables)));
  checks.push(...(await ledgerDoorChecks(setup, copied.skill)));
  checks.push(...(await statisticsChecks(setup)));
  checks.push(...(await connectionResidueChecks(setup, copied.skill)));
  checks.push(...(await sinkDoorChecks(setup)));
  checks.push(...(await retentionDoorChecks(setup)));
  return checks;
}
