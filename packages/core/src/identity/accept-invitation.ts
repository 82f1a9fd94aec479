import { type Database, isNewAccount } from '@skillhub/db';
import type { AppConfig } from '../config/app-config.ts';
import { hashPassword } from '../crypto/passwords.ts';
import { sha256Hex } from '../crypto/tokens.ts';
import { AppError } from '../errors/app-error.ts';
import { isUniqueViolation } from '../errors/database-errors.ts';
import { enterNewAccount, type NewAccountSession } from './enter-new-account.ts';
import { membershipRefusal } from './membership-refusal.ts';
import type { DeviceInfo } from './start-session.ts';

export interface AcceptInvitationInput {
  token: string;
  displayName: string;
  password: string;
  ip: string | null;
  device: DeviceInfo;
  requestId: string;
}

/**
 * Creates the invited account (the address the invitation was mailed to,
 * the role the inviter chose) in one transaction, records
 * `invitation.accepted` in the workspace, and signs it in. An unknown, used,
 * revoked or expired invitation is an INVALID_TOKEN and writes nothing.
 */
export async function acceptInvitation(
  db: Database,
  config: AppConfig,
  input: AcceptInvitationInput,
): Promise<NewAccountSession> {
  const outcome = await db.membership
    .acceptInvitation({
      tokenHash: sha256Hex(input.token),
      displayName: input.displayName,
      passwordHash: await hashPassword(input.password),
      ip: input.ip,
      requestId: input.requestId,
    })
    .catch((error: unknown) => {
      if (isUniqueViolation(error))
        throw new AppError('CONFLICT', 'An account with this email was created meanwhile; sign in instead.');
      throw error;
    });
  if (!isNewAccount(outcome)) throw membershipRefusal(outcome, 'invitation');
  return enterNewAccount(db, config, outcome, input);
}
