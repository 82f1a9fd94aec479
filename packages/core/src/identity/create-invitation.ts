import type { Database } from '@skillhub/db';
import { and, eq, invitations, recordAuditEvent, sameTenant, siteSettings, type UserRole, users } from '@skillhub/db';
import type { UserAuth } from '../auth/request-auth.ts';
import type { AppConfig } from '../config/app-config.ts';
import { newSessionToken, sha256Hex } from '../crypto/tokens.ts';
import { AppError } from '../errors/app-error.ts';
import type { MailDispatcher } from '../mail/mail-dispatcher.ts';
import { invitationMail } from '../mail/membership-mails.ts';
import { invitationColumns, invitationDays, isPending } from './invitation-columns.ts';

export interface CreateInvitationInput {
  email: string;
  role: UserRole;
}

/**
 * Invites `email` into the caller's workspace with `role` (an owner only by
 * an owner): stores the invitation (its token only as a hash, valid for
 * seven days; an earlier pending invitation of the same address is
 * withdrawn), records `invitation.created`, and once that has committed
 * mails the link. An address that already has an account here is a
 * CONFLICT.
 */
export async function createInvitation(
  db: Database,
  mail: MailDispatcher,
  config: AppConfig,
  auth: UserAuth,
  input: CreateInvitationInput,
) {
  if (input.role === 'owner' && auth.role !== 'owner') {
    throw new AppError('FORBIDDEN', 'Only an owner can invite an owner.', {
      denial: { action: 'invite an owner', required: 'owner', role: auth.role },
    });
  }
  const email = input.email.trim().toLowerCase();
  const token = newSessionToken();
  const expiresAt = new Date(Date.now() + invitationDays * 24 * 60 * 60 * 1000);
  const { invitation, workspaceName, inviterName } = await db.withTenant(auth.tenantId, auth.actor, async (tx) => {
    const [member] = await tx
      .select({ id: users.id })
      .from(users)
      .where(and(sameTenant(users.tenantId), eq(users.email, email)));
    if (member) throw new AppError('CONFLICT', 'This address already has an account in this workspace.');
    await tx
      .update(invitations)
      .set({ revokedAt: new Date() })
      .where(and(sameTenant(invitations.tenantId), eq(invitations.email, email), isPending()));
    const [created] = await tx
      .insert(invitations)
      .values({ email, role: input.role, tokenHash: sha256Hex(token), invitedBy: auth.userId, expiresAt })
      .returning(invitationColumns);
    if (!created) throw new Error('insert returned nothing');
    await recordAuditEvent({
      action: 'invitation.created',
      resourceType: 'invitation',
      resourceId: created.id,
      metadata: { email, role: input.role, expiresAt: expiresAt.toISOString() },
    });
    const [inviter] = await tx
      .select({ name: users.displayName })
      .from(users)
      .where(and(sameTenant(users.tenantId), eq(users.id, auth.userId)));
    const [settings] = await tx
      .select({ name: siteSettings.displayName })
      .from(siteSettings)
      .where(sameTenant(siteSettings.tenantId));
    return {
      invitation: created,
      workspaceName: settings?.name ?? auth.tenantSlug,
      inviterName: inviter?.name ?? 'An admin',
    };
  });
  mail.dispatch(invitationMail(config, { to: email, token, workspaceName, inviterName, role: input.role, expiresAt }));
  return invitation;
}
