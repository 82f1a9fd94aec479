import { sql } from 'drizzle-orm';
import { attempt, literal } from './attempt.ts';
import { foreignRows, seen } from './context-switch-checks.ts';
import type { SelftestCheck } from './selftest-check.ts';
import { type AttackSetup, inRolledBackTenant, ownContext } from './tenant-attacks.ts';
import type { TenantTable } from './tenant-tables.ts';

/** A signed context as text shows it: `<key id>:<64 hex>:{JSON}`. */
const contextPattern = /\d+:[0-9a-f]{64}:\{[^']*\}/g;

/**
 * Runs `fn` while B has a transaction open on another connection (its
 * context set; with `readOwnContext`, read back and handed to `fn`, else
 * set by one statement with parameters, which carries the context in its
 * round trip as a request's first statement does, so that pipeline stays
 * its backend's latest query), then lets B's transaction end. Needs two
 * connections in the pool.
 */
async function whileBIsOpen<T>(
  setup: AttackSetup,
  readOwnContext: boolean,
  fn: (contextOfB: string) => Promise<T>,
): Promise<T> {
  let release = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  let opened: (context: string) => void = () => {};
  const open = new Promise<string>((resolve) => {
    opened = resolve;
  });
  const b = inRolledBackTenant(
    setup,
    async (tx) => {
      if (readOwnContext) {
        opened(await ownContext(tx));
      } else {
        await tx.execute(sql`select ${1}::int as carried`);
        opened('');
      }
      await held;
    },
    setup.b,
  );
  const failedToOpen = b.then(() => {
    throw new Error("B's transaction ended before the attack");
  });
  try {
    return await fn(await Promise.race([open, failedToOpen]));
  } finally {
    release();
    await b;
  }
}

/** Replays each context in A's transaction and reads every tenant table for rows that are not A's. */
async function replayInA(setup: AttackSetup, tables: TenantTable[], contexts: string[]) {
  return inRolledBackTenant(setup, async (tx) => {
    const leaks: string[] = [];
    const refusals: string[] = [];
    for (const context of contexts) {
      const set = await attempt(tx, `select set_config('app.context', ${literal(context)}, true)`);
      if ('refused' in set) refusals.push(set.refused);
      for (const table of tables) {
        const outcome = await attempt(tx, foreignRows(table, setup.a.id));
        if ('refused' in outcome) refusals.push(outcome.refused);
        const rows = seen(outcome);
        if (rows > 0) leaks.push(`${table.name}: ${rows}`);
      }
    }
    return { leaks, refusals: [...new Set(refusals)] };
  });
}

/**
 * Contexts taken from B's transaction while it is still open, the case a
 * freshness window alone does not cover: B's context replayed at once in
 * A's transaction, and whatever context the text of the runtime role's
 * other sessions in pg_stat_activity shows, replayed the same way.
 */
export async function liveContextChecks(setup: AttackSetup, tables: TenantTable[]): Promise<SelftestCheck[]> {
  const replayed = await whileBIsOpen(setup, true, (contextOfB) => replayInA(setup, tables, [contextOfB]));
  const stolen = await whileBIsOpen(setup, false, async () => {
    const contexts = await inRolledBackTenant(setup, async (tx) => {
      const activity = await attempt(
        tx,
        `select string_agg(query, ' ') from pg_stat_activity where pid <> pg_backend_pid() and query like '%app.context%'`,
      );
      const text = 'refused' in activity ? '' : String(activity.values[0] ?? '');
      return (text.match(contextPattern) ?? []).map((context) => context.replaceAll("''", "'"));
    });
    return { found: contexts.length, ...(await replayInA(setup, tables, contexts)) };
  });
  const check = (name: string, tried: string, outcome: { leaks: string[]; refusals: string[] }, held: string) => ({
    name: `sql context: ${name}`,
    tried,
    result: outcome.leaks.length === 0 ? ('held' as const) : ('failed' as const),
    detail: outcome.leaks.length === 0 ? held : `foreign rows visible: ${outcome.leaks.join(', ')}`,
  });
  return [
    check(
      "replay B's context while B's transaction is open",
      `B's context, copied from B's transaction while it runs, set in A's transaction; then ${tables.length} tenant tables read for rows that are not A's`,
      replayed,
      `no foreign rows (refused: ${replayed.refusals.join(', ') || 'nothing'})`,
    ),
    check(
      'contexts read from pg_stat_activity',
      `the runtime role's other sessions' statement text read from pg_stat_activity while B's transaction is open, every context found there set in A's transaction; then ${tables.length} tenant tables read`,
      stolen,
      stolen.found === 0 ? 'no context visible there' : `${stolen.found} found, no foreign rows through them`,
    ),
  ];
}
