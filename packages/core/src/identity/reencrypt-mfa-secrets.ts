import { and, type Database, eq, type RequestActor, sameTenant, sql, users } from '@skillhub/db';
import type { SecretKeyRing } from '../crypto/secret-box.ts';
import { openMfaSecret, sealMfaSecret } from './mfa-secret.ts';

export interface ReencryptResult {
  /** Workspaces that held a secret to reseal. */
  tenants: number;
  /** Secrets sealed now: plain ones written before sealing existed, and ones under an older key. */
  resealed: number;
}

/**
 * Seals every TOTP secret that is not sealed with the ring's current key:
 * plain secrets from before migration 0021, and secrets under a key being
 * rotated out. One platform query finds the workspaces that hold such a
 * secret (so a start with nothing to do costs one statement, not one
 * transaction per workspace); each is then resealed in its own tenant
 * transaction as `actor`, so every change is captured in that workspace's
 * audit trail.
 * Running it again changes nothing. `skillhub serve` runs it before it
 * listens; `skillhub secrets reencrypt` runs it on demand.
 */
export async function reencryptMfaSecrets(
  db: Database,
  ring: SecretKeyRing,
  actor: RequestActor,
  onProgress?: (done: number, total: number) => void,
): Promise<ReencryptResult> {
  const currentPrefix = `v1.${ring.current.id}.`;
  const tenants = await db.platform.tenantsWithStaleMfaSecrets(currentPrefix, actor);
  let resealed = 0;
  for (const [index, tenantId] of tenants.entries()) {
    resealed += await db.withTenant(tenantId, actor, async (tx) => {
      const stale = await tx
        .select({ tenantId: users.tenantId, id: users.id, mfaSecret: users.mfaSecret })
        .from(users)
        .where(
          and(
            sameTenant(users.tenantId),
            sql`${users.mfaSecret} is not null`,
            sql`not starts_with(${users.mfaSecret}, ${currentPrefix})`,
          ),
        );
      for (const user of stale) {
        if (!user.mfaSecret) continue;
        const secret = openMfaSecret(ring, user, user.mfaSecret);
        await tx
          .update(users)
          .set({ mfaSecret: sealMfaSecret(ring, user, secret) })
          .where(and(sameTenant(users.tenantId), eq(users.id, user.id)));
      }
      return stale.length;
    });
    onProgress?.(index + 1, tenants.length);
  }
  return { tenants: tenants.length, resealed };
}
