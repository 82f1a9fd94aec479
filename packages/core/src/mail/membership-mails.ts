import type { AppConfig } from '../config/app-config.ts';
import type { MailMessage } from './mailer.ts';

/** A console page on the configured public URL, e.g. `/verify-email` with its token. */
export const consoleLink = (config: AppConfig, page: string, token?: string): string =>
  `${config.publicUrl}/console${page}${token ? `?token=${encodeURIComponent(token)}` : ''}`;

const lines = (...parts: (string | false)[]) => `${parts.filter((p) => p !== false).join('\n')}\n`;

/** The link that proves the address and finishes a sign-up. */
export function verifyEmailMail(
  config: AppConfig,
  input: { to: string; token: string; workspaceName: string | null; existingWorkspaces: string[] },
): MailMessage {
  return {
    to: input.to,
    subject: 'Confirm your email to finish signing up to Skillhub',
    text: lines(
      'Someone, hopefully you, asked to sign up to Skillhub with this address' +
        (input.workspaceName ? ` and create the workspace "${input.workspaceName}".` : '.'),
      '',
      'To confirm the address and finish signing up, open this link within 24 hours:',
      '',
      consoleLink(config, '/verify-email', input.token),
      '',
      input.existingWorkspaces.length > 0 &&
        `You already have an account in: ${input.existingWorkspaces.join(', ')}. To use it, sign in instead: ${consoleLink(config, '/sign-in')}\n`,
      'If you did not ask for this, ignore this mail: nothing is created until the link is opened.',
    ),
  };
}

/** Sent instead of a link when the address already has the account a sign-up would create. */
export function signUpAttemptMail(config: AppConfig, input: { to: string; workspaces: string[] }): MailMessage {
  return {
    to: input.to,
    subject: 'Someone tried to sign up to Skillhub with your address',
    text: lines(
      `Someone tried to sign up to Skillhub with this address, which already has an account in: ${input.workspaces.join(', ')}.`,
      '',
      'If it was you, sign in instead (and reset your password with an admin if you forgot it):',
      '',
      consoleLink(config, '/sign-in'),
      '',
      'If it was not you, there is nothing to do: no account was created or changed.',
    ),
  };
}

/** An admin's invitation to join a workspace. */
export function invitationMail(
  config: AppConfig,
  input: { to: string; token: string; workspaceName: string; inviterName: string; role: string; expiresAt: Date },
): MailMessage {
  return {
    to: input.to,
    subject: `${input.inviterName} invited you to ${input.workspaceName} on Skillhub`,
    text: lines(
      `${input.inviterName} invited you to join the workspace "${input.workspaceName}" on Skillhub as ${input.role === 'admin' ? 'an' : 'a'} ${input.role}.`,
      '',
      `To accept, choose your name and password here before ${input.expiresAt.toUTCString()}:`,
      '',
      consoleLink(config, '/accept-invitation', input.token),
      '',
      'If you did not expect this, ignore this mail.',
    ),
  };
}
