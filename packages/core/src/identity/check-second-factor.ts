import { and, eq, mfaRecoveryCodes, sameTenant, sql, type TenantTx, users } from '@skillhub/db';
import { sha256Hex } from '../crypto/tokens.ts';
import { totpStep } from '../crypto/totp.ts';

/** A TOTP code not accepted before, or an unused recovery code (which is then spent). */
export async function checkSecondFactor(tx: TenantTx, userId: string, secret: string, code: string): Promise<boolean> {
  const step = totpStep(secret, code.trim());
  if (step !== null) {
    // A code is good once (RFC 6238, 5.2): someone who saw it cannot replay it
    // while it lasts. The conditional update also settles two racing uses.
    const accepted = await tx
      .update(users)
      .set({ mfaLastUsedStep: step })
      .where(
        and(sameTenant(users.tenantId), eq(users.id, userId), sql`coalesce(${users.mfaLastUsedStep}, -1) < ${step}`),
      )
      .returning({ id: users.id });
    return accepted.length > 0;
  }
  const spent = await tx
    .update(mfaRecoveryCodes)
    .set({ usedAt: new Date() })
    .where(
      and(
        sameTenant(mfaRecoveryCodes.tenantId),
        eq(mfaRecoveryCodes.userId, userId),
        eq(mfaRecoveryCodes.codeHash, sha256Hex(code.trim().toLowerCase())),
        sql`${mfaRecoveryCodes.usedAt} is null`,
      ),
    )
    .returning({ id: mfaRecoveryCodes.id });
  return spent.length > 0;
}
