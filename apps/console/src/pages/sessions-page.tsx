import { api } from '../api/client.ts';
import type { Session } from '../api/types.ts';
import { useConfirm } from '../components/confirm-dialog.tsx';
import { ErrorBanner } from '../components/error-banner.tsx';
import { PageHeader } from '../components/layout.tsx';
import { TableScroll } from '../components/table-scroll.tsx';
import { When } from '../components/when.tsx';
import { deviceName } from '../device-name.ts';
import { useSession } from '../session.tsx';
import { useAction } from '../use-action.ts';
import { useResource } from '../use-resource.ts';

/** Your live sessions, each with an end button; ending the current one signs you out. */
export function SessionsPage() {
  const { refresh } = useSession();
  const sessions = useResource('my-sessions', () => api<{ sessions: Session[] }>('/auth/sessions'));
  const action = useAction();
  const { confirm, dialog } = useConfirm();
  const others = sessions.data?.sessions.filter((s) => !s.current).length ?? 0;

  const end = (session: Session) =>
    action.run(async () => {
      const ok = await confirm(
        session.current
          ? {
              title: 'End this session?',
              message: 'You will be signed out of this browser.',
              confirmLabel: 'End session',
            }
          : {
              title: `End the session on ${deviceName(session.userAgent)}?`,
              message: 'That device is signed out at once.',
              confirmLabel: 'End session',
            },
      );
      if (!ok) return;
      await api(`/auth/sessions/${session.id}`, { method: 'DELETE' });
      if (session.current) await refresh();
      else sessions.reload();
    });
  const endOthers = () =>
    action.run(async () => {
      const ok = await confirm({
        title: `End your ${others} other session${others === 1 ? '' : 's'}?`,
        message: 'Every other device is signed out at once.',
        confirmLabel: 'End other sessions',
      });
      if (!ok) return;
      await api('/auth/sessions/end-others', { method: 'POST' });
      sessions.reload();
    });

  return (
    <>
      <PageHeader title="Sessions">
        <button type="button" onClick={() => void endOthers()} disabled={action.busy || others === 0}>
          End all other sessions
        </button>
      </PageHeader>
      <p className="muted">Where you are signed in. Ending a session signs that device out at once.</p>
      <ErrorBanner error={sessions.error ?? action.error} />
      <TableScroll label="Your sessions">
        <table className="table" aria-label="Your sessions">
          <thead>
            <tr>
              <th>Device</th>
              <th>IP</th>
              <th>Signed in</th>
              <th>Last active</th>
              <th>Expires</th>
              <th>
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {sessions.data?.sessions.map((session) => (
              <tr key={session.id} className={session.current ? 'current' : undefined}>
                <td title={session.userAgent ?? undefined}>
                  {deviceName(session.userAgent)}
                  {session.current && <span className="badge current-badge">this browser</span>}
                  {session.location && <div className="muted small">{session.location}</div>}
                </td>
                <td className="muted">{session.lastIp ?? session.ipAddress}</td>
                <td>
                  <When at={session.createdAt} />
                </td>
                <td>
                  <When at={session.lastActivityAt} />
                </td>
                <td>
                  <When at={session.expiresAt} />
                </td>
                <td className="right">
                  <button type="button" className="danger" onClick={() => void end(session)} disabled={action.busy}>
                    {session.current ? 'End (sign out)' : 'End'}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
      {dialog}
    </>
  );
}
