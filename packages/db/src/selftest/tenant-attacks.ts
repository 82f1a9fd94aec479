import { sql } from 'drizzle-orm';
import type { Database } from '../database.ts';
import type { RequestActor } from '../tenant-context/actor.ts';
import type { TenantTx } from '../tenant-context/context-store.ts';
import { RollBack } from './attempt.ts';
import type { SelftestTenant } from './selftest-check.ts';

/** What the attacks run with: the database door, the two canaries and who the attacker is. */
export interface AttackSetup {
  db: Database;
  a: SelftestTenant;
  b: SelftestTenant;
  /** The actor of A's transactions (a canary user of A, with the run's request id). */
  actor: RequestActor;
}

/** Runs `fn` in A's verified context and rolls everything it did back, whatever it did. */
export async function inRolledBackTenant<T>(
  setup: AttackSetup,
  fn: (tx: TenantTx) => Promise<T>,
  tenant: SelftestTenant = setup.a,
): Promise<T> {
  let outcome: { value: T } | undefined;
  try {
    await setup.db.withTenant(tenant.id, setup.actor, async (tx) => {
      outcome = { value: await fn(tx) };
      throw new RollBack();
    });
  } catch (error) {
    if (!(error instanceof RollBack)) throw error;
  }
  if (!outcome) throw new Error('the self-test transaction did not run');
  return outcome.value;
}

/** The signed context `withTenant` set for this transaction, as SQL inside it can read it. */
export const ownContext = async (tx: TenantTx): Promise<string> =>
  (await tx.execute<{ context: string }>(sql`select current_setting('app.context') as context`)).rows[0]?.context ?? '';
