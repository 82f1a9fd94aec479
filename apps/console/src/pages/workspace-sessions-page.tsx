import { api } from '../api/client.ts';
import type { Session, User } from '../api/types.ts';
import { useConfirm } from '../components/confirm-dialog.tsx';
import { ErrorBanner } from '../components/error-banner.tsx';
import { PageHeader } from '../components/layout.tsx';
import { TableScroll } from '../components/table-scroll.tsx';
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

  const list = sessions.data?.sessions;
  return (
    <>
      <PageHeader title="Signed in now" />
      <p className="muted">
        Everyone signed in to this workspace, most recent first. Ending a session signs that device out.
      </p>
      <ErrorBanner error={sessions.error ?? users.error ?? action.error} />
      {list?.length === 0 && <p className="muted">Nobody is signed in.</p>}
      {Boolean(list?.length) && (
        <TableScroll label="Workspace sessions">
          <table className="table" aria-label="Workspace sessions">
            <thead>
              <tr>
                <th>Who</th>
                <th>Device</th>
                <th>IP</th>
                <th>Last active</th>
                <th>Signed in</th>
                <th>
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list?.map((session) => (
                <tr key={session.id} className={session.current ? 'current' : undefined}>
                  <td>
                    {who(session)}
                    {session.current && <span className="badge current-badge">this browser</span>}
                    <div className="muted small">{people.get(session.userId)?.email}</div>
                  </td>
                  <td title={session.userAgent ?? undefined}>
                    {deviceName(session.userAgent)}
                    {session.location && <div className="muted small">{session.location}</div>}
                  </td>
                  <td className="muted">{session.lastIp ?? session.ipAddress}</td>
                  <td>
                    <When at={session.lastActivityAt} />
                  </td>
                  <td>
                    <When at={session.createdAt} />
                  </td>
                  <td className="right">
                    <button type="button" className="danger" onClick={() => void end(session)} disabled={action.busy}>
                      End
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
      {dialog}
    </>
  );
}
