import { desc, invitations, type TenantTx } from '@skillhub/db';
import { invitationColumns, isPending } from './invitation-columns.ts';

/** The workspace's pending invitations, newest first. */
export function listInvitations(tx: TenantTx) {
  return tx.select(invitationColumns).from(invitations).where(isPending()).orderBy(desc(invitations.createdAt));
}
