import { and, gt, invitations, isNull, type SQL } from '@skillhub/db';

/** What an admin sees of an invitation (never its token). */
export const invitationColumns = {
  id: invitations.id,
  email: invitations.email,
  role: invitations.role,
  invitedBy: invitations.invitedBy,
  createdAt: invitations.createdAt,
  expiresAt: invitations.expiresAt,
};

/** Neither accepted nor revoked, and not yet expired. */
export const isPending = (): SQL =>
  and(isNull(invitations.acceptedAt), isNull(invitations.revokedAt), gt(invitations.expiresAt, new Date())) as SQL;

/** How long an invitation link works. */
export const invitationDays = 7;
