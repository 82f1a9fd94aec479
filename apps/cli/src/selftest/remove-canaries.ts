import { type Database, OperatorDoor, type RequestActor, sameTenant, sql } from '@skillhub/db';
import type { Canary } from './canaries.ts';

/** Children first: what each canary holds, in an order its foreign keys allow. */
const tables = [
  'user_sessions',
  'mfa_recovery_codes',
  'usage_events',
  'ratings',
  'skill_reviews',
  'skill_embeddings',
  'skill_versions',
  'skills',
  'api_keys',
  'users',
  'site_settings',
];

/**
 * Removes a canary's rows inside its own `withTenant` (row security keeps
 * the deletes to the canary; change capture records each in its chain),
 * then deactivates the workspace through the operator door
 * (`tenant.deactivate`). The tenant row stays: its chain and the system
 * chain reference it, and the ledger is append-only, so the canary's
 * history stays verifiable under its `selftest-` slug.
 */
export async function removeCanary(db: Database, ownerUrl: string, canary: Canary, actor: RequestActor): Promise<void> {
  await db.withTenant(canary.tenant.id, actor, async (tx) => {
    for (const table of tables) await tx.execute(sql`delete from ${sql.identifier(table)} where ${sameTenant(table)}`);
  });
  await OperatorDoor.use(ownerUrl, (door) => door.setTenantActive(canary.tenant.id, false, actor));
}
