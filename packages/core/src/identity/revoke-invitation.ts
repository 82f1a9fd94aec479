import { and, eq, invitations, recordAuditEvent, sameTenant, type TenantTx } from '@skillhub/db';
import { AppError } from '../errors/app-error.ts';
import { invitationColumns, isPending } from './invitation-columns.ts';

/** Withdraws a pending invitation, so its link no longer works; records `invitation.revoked`. */
export async function revokeInvitation(tx: TenantTx, invitationId: string) {
  const [revoked] = await tx
    .update(invitations)
    .set({ revokedAt: new Date() })
    .where(and(sameTenant(invitations.tenantId), eq(invitations.id, invitationId), isPending()))
    .returning(invitationColumns);
  if (!revoked) throw new AppError('NOT_FOUND', 'No such pending invitation.');
  await recordAuditEvent({
    action: 'invitation.revoked',
    resourceType: 'invitation',
    resourceId: revoked.id,
    metadata: { email: revoked.email, role: revoked.role },
  });
  return revoked;
}
