import type { Database } from '@skillhub/db';
import type { AppConfig } from '../config/app-config.ts';
import { hashPassword } from '../crypto/passwords.ts';
import { newSessionToken, sha256Hex } from '../crypto/tokens.ts';
import { AppError } from '../errors/app-error.ts';
import type { MailDispatcher } from '../mail/mail-dispatcher.ts';
import { signUpAttemptMail, verifyEmailMail } from '../mail/membership-mails.ts';

export interface SignUpInput {
  email: string;
  password: string;
  displayName: string;
  /** The workspace to create when the address's domain lets it join none. */
  workspace?: { name: string; slug: string } | undefined;
  ip: string | null;
  requestId: string;
}

/** How long a sign-up link works. */
export const signUpLinkHours = 24;

/**
 * Asks for an account: nothing exists until the link mailed to `email`
 * comes back (see {@link verifyEmail}). The caller learns nothing about the
 * address: a new one gets the link; one that already has the account this
 * sign-up would create gets, instead, a mail saying someone tried; both
 * resolve the same way after the same work (the password is hashed either
 * way, the mail leaves in the background). Refused only when the client's
 * IP has asked too often (THROTTLED, with when to retry) or the workspace
 * address asked for is taken (CONFLICT, whatever the email).
 */
export async function requestSignUp(
  db: Database,
  mail: MailDispatcher,
  config: AppConfig,
  input: SignUpInput,
): Promise<void> {
  const email = input.email.trim().toLowerCase();
  const token = newSessionToken();
  const outcome = await db.membership.requestSignUp({
    email,
    passwordHash: await hashPassword(input.password),
    displayName: input.displayName,
    workspace: input.workspace,
    tokenHash: sha256Hex(token),
    ip: input.ip,
    requestId: input.requestId,
    maxPerIp: config.signUpThrottle.maxPerIp,
    windowMinutes: config.signUpThrottle.windowMinutes,
    validForHours: signUpLinkHours,
  });
  switch (outcome.outcome) {
    case 'throttled':
      throw new AppError(
        'THROTTLED',
        `Too many sign-ups from your network; try again in ${Math.ceil(outcome.retryAfterSeconds / 60)} minutes.`,
        { retryAfterSeconds: outcome.retryAfterSeconds },
      );
    case 'slug_taken':
      throw new AppError('CONFLICT', `The workspace address "${input.workspace?.slug}" is taken; choose another.`);
    case 'existing':
      mail.dispatch(signUpAttemptMail(config, { to: email, workspaces: outcome.workspaces }));
      return;
    case 'pending':
      mail.dispatch(
        verifyEmailMail(config, {
          to: email,
          token,
          workspaceName: input.workspace?.name ?? null,
          existingWorkspaces: outcome.workspaces,
        }),
      );
  }
}
