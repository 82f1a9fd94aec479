import { type FormEvent, useState } from 'react';
import { api } from '../api/client.ts';
import { type Invitation, type Role, roles, type User } from '../api/types.ts';
import { useConfirm } from '../components/confirm-dialog.tsx';
import { type Column, DataTable } from '../components/data-table.tsx';
import { ErrorBanner } from '../components/error-banner.tsx';
import { FieldError } from '../components/field-error.tsx';
import { PageHeader } from '../components/layout.tsx';
import { When } from '../components/when.tsx';
import { useMe } from '../session.tsx';
import { useAction } from '../use-action.ts';
import { useResource } from '../use-resource.ts';

const invitationColumns: Column<Invitation>[] = [
  { header: 'Email', cell: (invitation) => invitation.email },
  { header: 'Role', cell: (invitation) => invitation.role },
  { header: 'Sent', cell: (invitation) => <When at={invitation.createdAt} /> },
  { header: 'Link expires', cell: (invitation) => <When at={invitation.expiresAt} /> },
];

/**
 * The workspace's people (admins): invite by email, change roles,
 * deactivate and reactivate, and the invitations still pending. Only an
 * owner is offered to touch an owner or make one; nobody changes their own
 * row here (the API refuses the rest).
 */
export function PeoplePage() {
  const me = useMe();
  const users = useResource('users', () => api<{ users: User[] }>('/users'));
  const invitations = useResource('invitations', () => api<{ invitations: Invitation[] }>('/invitations'));
  const action = useAction();
  const { confirm, dialog } = useConfirm();
  const owner = me.user.role === 'owner';
  const offeredRoles = roles.filter((role) => owner || role !== 'owner');

  const changeRole = (user: User, role: Role) =>
    action.run(async () => {
      await api(`/users/${user.id}/role`, { method: 'PATCH', body: { role } });
      users.reload();
    });
  const deactivate = (user: User) =>
    action.run(async () => {
      const ok = await confirm({
        title: `Deactivate ${user.displayName}?`,
        message: `${user.email} is signed out everywhere at once and cannot sign in until reactivated. Their skills stay.`,
        confirmLabel: 'Deactivate',
      });
      if (!ok) return;
      await api(`/users/${user.id}/deactivate`, { method: 'POST' });
      users.reload();
    });
  const reactivate = (user: User) =>
    action.run(async () => {
      await api(`/users/${user.id}/reactivate`, { method: 'POST' });
      users.reload();
    });
  const revoke = (invitation: Invitation) =>
    action.run(async () => {
      const ok = await confirm({
        title: `Revoke the invitation to ${invitation.email}?`,
        message: 'The link in their mail stops working. You can invite them again later.',
        confirmLabel: 'Revoke invitation',
      });
      if (!ok) return;
      await api(`/invitations/${invitation.id}`, { method: 'DELETE' });
      invitations.reload();
    });

  const self = (user: User) => user.id === me.user.id;
  const locked = (user: User) => self(user) || (user.role === 'owner' && !owner);
  const userColumns: Column<User>[] = [
    {
      header: 'Name',
      cell: (user) => (
        <>
          {user.displayName}
          {self(user) && <span className="badge current-badge">you</span>}
          <div className="muted small">{user.email}</div>
        </>
      ),
    },
    {
      header: 'Role',
      cell: (user) => (
        <select
          aria-label={`Role of ${user.displayName}`}
          value={user.role}
          disabled={locked(user) || action.busy}
          onChange={(event) => void changeRole(user, event.target.value as Role)}
        >
          {(locked(user) ? roles : offeredRoles).map((role) => (
            <option key={role} value={role}>
              {role}
            </option>
          ))}
        </select>
      ),
    },
    {
      header: 'Status',
      cell: (user) => (
        <>
          {user.isActive ? 'Active' : <strong>Deactivated</strong>}
          {user.mfaEnabled && <div className="muted small">two-factor on</div>}
        </>
      ),
    },
    { header: 'Joined', cell: (user) => <When at={user.createdAt} /> },
  ];

  return (
    <>
      <PageHeader title="People" />
      <InviteForm roles={offeredRoles} onInvited={invitations.reload} />
      <DataTable
        label="People"
        rows={users.data?.users}
        columns={userColumns}
        empty={{ message: 'Nobody is in this workspace yet.' }}
        error={users.error ?? action.error}
        rowAttributes={(user) => ({ className: user.isActive ? undefined : 'revoked', 'data-email': user.email })}
        actions={(user) =>
          locked(user) ? null : user.isActive ? (
            <button
              type="button"
              className="danger"
              aria-label={`Deactivate ${user.email}`}
              onClick={() => void deactivate(user)}
              disabled={action.busy}
            >
              Deactivate
            </button>
          ) : (
            <button
              type="button"
              aria-label={`Reactivate ${user.email}`}
              onClick={() => void reactivate(user)}
              disabled={action.busy}
            >
              Reactivate
            </button>
          )
        }
      />
      <h2 className="section-heading">Pending invitations</h2>
      <DataTable
        label="Pending invitations"
        rows={invitations.data?.invitations}
        columns={invitationColumns}
        empty={{ message: 'No invitations waiting to be accepted.', testId: 'no-invitations' }}
        error={invitations.error}
        actions={(invitation) => (
          <button
            type="button"
            className="danger"
            aria-label={`Revoke ${invitation.email}`}
            onClick={() => void revoke(invitation)}
            disabled={action.busy}
          >
            Revoke
          </button>
        )}
      />
      {dialog}
    </>
  );
}

/** Mails an invitation link (valid 7 days) to an address, with the role they will join as. */
function InviteForm({ roles: offered, onInvited }: { roles: Role[]; onInvited(): void }) {
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('member');
  const [sent, setSent] = useState<string | null>(null);
  const { busy, error, run } = useAction();
  const invite = (event: FormEvent) => {
    event.preventDefault();
    setSent(null);
    void run(async () => {
      const invitation = await api<Invitation>('/invitations', { method: 'POST', body: { email, role } });
      setSent(invitation.email);
      setEmail('');
      onInvited();
    });
  };
  return (
    <form className="panel stack" onSubmit={invite} aria-labelledby="invite-heading">
      <h2 id="invite-heading">Invite someone</h2>
      <div className="row">
        <label>
          Email
          <input name="inviteEmail" type="email" value={email} onChange={(e) => setEmail(e.target.value)} required />
          <FieldError error={error} path="email" />
        </label>
        <label>
          Role
          <select name="inviteRole" value={role} onChange={(e) => setRole(e.target.value as Role)}>
            {offered.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
          <FieldError error={error} path="role" />
        </label>
      </div>
      <ErrorBanner error={error} />
      {sent && (
        <p className="success" aria-live="polite">
          Invitation mailed to {sent}. The link works for 7 days.
        </p>
      )}
      <div>
        <button type="submit" className="primary" disabled={busy}>
          Send invitation
        </button>
      </div>
    </form>
  );
}
