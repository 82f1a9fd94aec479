import { api } from '../api/client.ts';
import type { Session, User } from '../api/types.ts';
import { useConfirm } from '../components/confirm-dialog.tsx';
import { type Column, DataTable } from '../components/data-table.tsx';
import { PageHeader } from '../components/layout.tsx';
import { When } from '../components/when.tsx';
import { deviceName } from '../device-name.ts';
import { useSession } from '../session.tsx';
import { useAction } from '../use-action.ts';
import { useResource } from '../use-resource.ts';

/** Every live session in the workspace (admins): who, device, IP, last activity; each can be ended, confirmed. */
export function WorkspaceSessionsPage() {
  const { refresh } = useSession();
  const sessions = useResource('workspace-sessions', () => api<{ sessions: Session[] }>('/admin/sessions'));
  const users = useResource('users', () => api<{ users: User[] }>('/users'));
  const action = useAction();
  const { confirm, dialog } = useConfirm();
  const people = new Map(users.data?.users.map((user) => [user.id, user]));
  const who = (session: Session) => people.get(session.userId)?.displayName ?? 'Unknown user';

  const end = (session: Session) =>
    action.run(async () => {
      const ok = await confirm({
        title: session.current ? 'End your own session?' : `End ${who(session)}’s session?`,
        message: session.current
          ? 'This is the session of this browser: you will be signed out.'
          : `${deviceName(session.userAgent)} from ${session.lastIp ?? session.ipAddress ?? 'an unknown address'} is signed out at once.`,
        confirmLabel: 'End session',
      });
      if (!ok) return;
      await api(`/admin/sessions/${session.id}`, { method: 'DELETE' });
      if (session.current) await refresh();
      else sessions.reload();
    });

  const columns: Column<Session>[] = [
    {
      header: 'Who',
      cell: (session) => (
        <>
          {who(session)}
          {session.current && <span className="badge current-badge">this browser</span>}
          <div className="muted small">{people.get(session.userId)?.email}</div>
        </>
      ),
    },
    {
      header: 'Device',
      title: (session) => session.userAgent ?? undefined,
      cell: (session) => (
        <>
          {deviceName(session.userAgent)}
          {session.location && <div className="muted small">{session.location}</div>}
        </>
      ),
    },
    { header: 'IP', className: 'muted', cell: (session) => session.lastIp ?? session.ipAddress },
    { header: 'Last active', cell: (session) => <When at={session.lastActivityAt} /> },
    { header: 'Signed in', cell: (session) => <When at={session.createdAt} /> },
  ];

  return (
    <>
      <PageHeader title="Signed in now" />
      <p className="muted">
        Everyone signed in to this workspace, most recent first. Ending a session signs that device out.
      </p>
      <DataTable
        label="Workspace sessions"
        rows={sessions.data?.sessions}
        columns={columns}
        empty={{ message: 'Nobody is signed in.' }}
        error={sessions.error ?? users.error ?? action.error}
        rowAttributes={(session) => ({ className: session.current ? 'current' : undefined })}
        actions={(session) => (
          <button
            type="button"
            className="danger"
            aria-label={`End ${who(session)}, ${deviceName(session.userAgent)}`}
            onClick={() => void end(session)}
            disabled={action.busy}
          >
            End
          </button>
        )}
      />
      {dialog}
    </>
  );
}
