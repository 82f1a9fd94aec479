import { api } from '../api/client.ts';
import type { Session } from '../api/types.ts';
import { ErrorBanner } from '../components/error-banner.tsx';
import { PageHeader } from '../components/layout.tsx';
import { When } from '../components/when.tsx';
import { useSession } from '../session.tsx';
import { useAction } from '../use-action.ts';
import { useResource } from '../use-resource.ts';

/** A browser's name from its user agent, roughly; the full string is in the tooltip. */
function deviceName(userAgent: string | null): string {
  if (!userAgent) return 'Unknown device';
  const browser = /Edg\//.test(userAgent)
    ? 'Edge'
    : /Chrom(e|ium)\//.test(userAgent)
      ? 'Chrome'
      : /Firefox\//.test(userAgent)
        ? 'Firefox'
        : /Safari\//.test(userAgent)
          ? 'Safari'
          : userAgent.split(/[ /]/)[0];
  const os = /Windows/.test(userAgent)
    ? 'Windows'
    : /Mac OS X/.test(userAgent)
      ? 'macOS'
      : /Android/.test(userAgent)
        ? 'Android'
        : /iPhone|iPad/.test(userAgent)
          ? 'iOS'
          : /Linux/.test(userAgent)
            ? 'Linux'
            : null;
  return os ? `${browser} on ${os}` : (browser ?? 'Unknown device');
}

/** Your live sessions, each with an end button; ending the current one signs you out. */
export function SessionsPage() {
  const { refresh } = useSession();
  const sessions = useResource('my-sessions', () => api<{ sessions: Session[] }>('/auth/sessions'));
  const action = useAction();

  const end = (session: Session) =>
    action.run(async () => {
      await api(`/auth/sessions/${session.id}`, { method: 'DELETE' });
      if (session.current) await refresh();
      else sessions.reload();
    });
  const endOthers = () =>
    action.run(async () => {
      await api('/auth/sessions/end-others', { method: 'POST' });
      sessions.reload();
    });
  const others = sessions.data?.sessions.filter((s) => !s.current).length ?? 0;

  return (
    <>
      <PageHeader title="Sessions">
        <button type="button" onClick={() => void endOthers()} disabled={action.busy || others === 0}>
          End all other sessions
        </button>
      </PageHeader>
      <p className="muted">Where you are signed in. Ending a session signs that device out at once.</p>
      <ErrorBanner error={sessions.error ?? action.error} />
      <table className="table" aria-label="Your sessions">
        <thead>
          <tr>
            <th>Device</th>
            <th>IP</th>
            <th>Signed in</th>
            <th>Last active</th>
            <th>Expires</th>
            <th />
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
    </>
  );
}
