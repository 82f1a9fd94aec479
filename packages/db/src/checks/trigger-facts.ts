import type { SqlRunner } from '../sql-runner.ts';

export interface ExpectedTrigger {
  name: string;
  /** The function it must call, as `regprocedure` text. */
  fn: string;
}

export interface TriggerProblem {
  detail: string;
  fix: string;
}

/**
 * What is wrong with the expected triggers on one table; empty when each is
 * there, calls its function and fires in normal operation. `tgenabled` 'D'
 * (disabled) and 'R' (fires only under session_replication_role = replica)
 * both leave ordinary sessions unguarded.
 */
export async function triggerProblems(
  run: SqlRunner,
  table: string,
  expected: ExpectedTrigger[],
): Promise<TriggerProblem[]> {
  const { rows } = await run<{ name: string; enabled: string; fn: string }>(
    `select t.tgname as name, t.tgenabled as enabled, t.tgfoid::regprocedure::text as fn
     from pg_trigger t where t.tgrelid = to_regclass($1) and not t.tgisinternal`,
    [table],
  );
  const byName = new Map(rows.map((r) => [r.name, r]));
  return expected.flatMap(({ name, fn }): TriggerProblem[] => {
    const found = byName.get(name);
    if (!found)
      return [{ detail: `trigger ${name} is missing`, fix: `recreate trigger ${name} on ${table} (see migrations)` }];
    if (found.enabled === 'D' || found.enabled === 'R') {
      return [{ detail: `trigger ${name} is disabled`, fix: `alter table ${table} enable trigger ${name};` }];
    }
    if (found.fn !== fn) {
      return [{ detail: `trigger ${name} calls ${found.fn}, not ${fn}`, fix: `recreate trigger ${name} on ${table}` }];
    }
    return [];
  });
}

/** Joins trigger problems into one check's detail and fix; null when there are none. */
export const joinTriggerProblems = (problems: TriggerProblem[], consequence: string) =>
  problems.length === 0
    ? null
    : {
        detail: `${problems.map((p) => p.detail).join('; ')}: ${consequence}`,
        fix: problems.map((p) => p.fix).join(' '),
      };

/** True when the table exists. */
export async function tableExists(run: SqlRunner, table: string): Promise<boolean> {
  const { rows } = await run<{ ok: boolean }>('select to_regclass($1) is not null as ok', [table]);
  return rows[0]?.ok === true;
}
