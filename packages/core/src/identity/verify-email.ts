import { type Database, isNewAccount } from '@skillhub/db';
import type { AppConfig } from '../config/app-config.ts';
import { sha256Hex } from '../crypto/tokens.ts';
import { AppError } from '../errors/app-error.ts';
import { isUniqueViolation } from '../errors/database-errors.ts';
import { enterNewAccount, type NewAccountSession } from './enter-new-account.ts';
import { membershipRefusal } from './membership-refusal.ts';
import type { DeviceInfo } from './start-session.ts';

export interface VerifyEmailInput {
  /** The token from the mailed link. */
  token: string;
  /** Overrides the workspace named at sign-up (when it was left out, or its address was taken meanwhile). */
  workspace?: { name: string; slug: string } | undefined;
  ip: string | null;
  device: DeviceInfo;
  requestId: string;
}

/**
 * Finishes a sign-up with the token mailed to its address. In one
 * transaction it creates the workspace and its owner, or, where the
 * address's domain names a workspace that lets verified addresses join,
 * adds a member there; then signs the new account in. A token that is
 * unknown, used or expired is an INVALID_TOKEN and writes nothing; so does
 * every other refusal, which leaves the token usable.
 */
export async function verifyEmail(
  db: Database,
  config: AppConfig,
  input: VerifyEmailInput,
): Promise<NewAccountSession> {
  const outcome = await db.membership
    .completeSignUp({
      tokenHash: sha256Hex(input.token),
      workspace: input.workspace,
      ip: input.ip,
      requestId: input.requestId,
    })
    .catch((error: unknown) => {
      if (isUniqueViolation(error, 'tenants_slug_key'))
        throw new AppError('CONFLICT', 'That workspace address was taken meanwhile; choose another.');
      if (isUniqueViolation(error))
        throw new AppError('CONFLICT', 'An account with this email was created meanwhile; sign in instead.');
      throw error;
    });
  if (!isNewAccount(outcome)) throw membershipRefusal(outcome, 'sign-up');
  return enterNewAccount(db, config, outcome, input);
}
