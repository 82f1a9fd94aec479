import { and, desc, invitations, sameTenant, type TenantTx } from '@skillhub/db';
import { invitationColumns, isPending } from './invitation-columns.ts';

/** The workspace's pending invitations, newest first. */
export function listInvitations(tx: TenantTx) {
  return tx
    .select(invitationColumns)
    .from(invitations)
    .where(and(sameTenant(invitations.tenantId), isPending()))
    .orderBy(desc(invitations.createdAt));
}
