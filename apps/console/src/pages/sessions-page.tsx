import { api } from '../api/client.ts';
import type { Session } from '../api/types.ts';
import { useConfirm } from '../components/confirm-dialog.tsx';
import { type Column, DataTable } from '../components/data-table.tsx';
import { PageHeader } from '../components/layout.tsx';
import { When } from '../components/when.tsx';
import { deviceName } from '../device-name.ts';
import { useSession } from '../session.tsx';
import { useAction } from '../use-action.ts';
import { useResource } from '../use-resource.ts';

const sessionColumns: Column<Session>[] = [
  {
    header: 'Device',
    title: (session) => session.userAgent ?? undefined,
    cell: (session) => (
      <>
        {deviceName(session.userAgent)}
        {session.current && <span className="badge current-badge">this browser</span>}
        {session.location && <div className="muted small">{session.location}</div>}
      </>
    ),
  },
  { header: 'IP', className: 'muted', cell: (session) => session.lastIp ?? session.ipAddress },
  { header: 'Signed in', cell: (session) => <When at={session.createdAt} /> },
  { header: 'Last active', cell: (session) => <When at={session.lastActivityAt} /> },
  { header: 'Expires', cell: (session) => <When at={session.expiresAt} /> },
];

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
      <DataTable
        label="Your sessions"
        rows={sessions.data?.sessions}
        columns={sessionColumns}
        empty={{ message: 'No live sessions.' }}
        error={sessions.error ?? action.error}
        rowAttributes={(session) => ({ className: session.current ? 'current' : undefined })}
        actions={(session) => (
          <button
            type="button"
            className="danger"
            aria-label={`${session.current ? 'End (sign out)' : 'End'} ${deviceName(session.userAgent)}`}
            onClick={() => void end(session)}
            disabled={action.busy}
          >
            {session.current ? 'End (sign out)' : 'End'}
          </button>
        )}
      />
      {dialog}
    </>
  );
}
