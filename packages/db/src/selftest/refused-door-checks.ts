import { type Attempt, attempt } from './attempt.ts';
import type { SelftestCheck } from './selftest-check.ts';
import { type AttackSetup, inRolledBackTenant } from './tenant-attacks.ts';

/** A door of the database and a statement that calls it. */
export type Door = [name: string, statement: string];

/**
 * Calls each door from A's verified context, in one rolled-back
 * transaction, and holds only where it is refused with 42501 (the server's
 * own context is the one way in): a door that answers, or fails for any
 * other reason, fails the check. `family` names the checks ("sink doors").
 */
export async function refusedDoorChecks(setup: AttackSetup, family: string, doors: Door[]): Promise<SelftestCheck[]> {
  const outcomes = await inRolledBackTenant(setup, async (tx) => {
    const seen: Attempt[] = [];
    for (const [, statement] of doors) seen.push(await attempt(tx, statement));
    return seen;
  });
  return doors.map(([name, statement], i) => {
    const outcome = outcomes[i];
    const refused = outcome && 'refused' in outcome ? outcome.refused : undefined;
    return {
      name: `${family}: ${name}`,
      tried: `from A's context: ${statement}`,
      result: refused === '42501' ? 'held' : 'failed',
      detail: refused
        ? `refused with ${refused}`
        : `answered with ${outcome && 'rows' in outcome ? outcome.rows : 0} rows`,
    };
  });
}
