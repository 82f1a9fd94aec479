import type { MembershipRefusal } from '@skillhub/db';
import { AppError } from '../errors/app-error.ts';

/** Why a mailed link did not let someone in, as the error they are shown. Nothing was written. */
export function membershipRefusal(refused: MembershipRefusal, link: 'sign-up' | 'invitation'): AppError {
  const again = link === 'sign-up' ? 'sign up again' : 'ask for a new invitation';
  switch (refused.outcome) {
    case 'unknown':
      return new AppError('INVALID_TOKEN', `This ${link} link is not valid; ${again}.`, {
        details: { reason: 'unknown' },
      });
    case 'used':
      return new AppError('INVALID_TOKEN', `This ${link} link was already used; sign in instead.`, {
        details: { reason: 'used' },
      });
    case 'expired':
      return new AppError('INVALID_TOKEN', `This ${link} link has expired; ${again}.`, {
        details: { reason: 'expired' },
      });
    case 'revoked':
      return new AppError('INVALID_TOKEN', `This invitation was withdrawn; ${again}.`, {
        details: { reason: 'revoked' },
      });
    case 'inactive':
      return new AppError('FORBIDDEN', 'This workspace has been deactivated.');
    case 'needs_workspace':
      return new AppError(
        'VALIDATION_FAILED',
        'No workspace lets addresses at your domain join: name a workspace to create (name and address).',
      );
    case 'already_member':
      return new AppError(
        'CONFLICT',
        `You already have an account in the workspace "${refused.tenantSlug}"; sign in there instead.`,
      );
  }
}
