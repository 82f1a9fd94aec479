import { type FormEvent, useState } from 'react';
import { api } from '../api/client.ts';
import { ErrorBanner } from '../components/error-banner.tsx';
import { FieldError } from '../components/field-error.tsx';
import { useAction } from '../use-action.ts';

/** Changes the signed-in user's password; the server ends their other sessions and says how many. */
export function PasswordPanel() {
  const [currentPassword, setCurrent] = useState('');
  const [newPassword, setNew] = useState('');
  const [ended, setEnded] = useState<number | null>(null);
  const { busy, error, run } = useAction();
  const change = (event: FormEvent) => {
    event.preventDefault();
    setEnded(null);
    void run(async () => {
      const changed = await api<{ endedSessions: number }>('/auth/password', {
        method: 'POST',
        body: { currentPassword, newPassword },
      });
      setCurrent('');
      setNew('');
      setEnded(changed.endedSessions);
    });
  };
  return (
    <form className="panel stack" onSubmit={change} aria-labelledby="password-heading">
      <h2 id="password-heading">Password</h2>
      <div className="row">
        <label>
          Current password
          <input
            name="currentPassword"
            type="password"
            autoComplete="current-password"
            value={currentPassword}
            onChange={(e) => setCurrent(e.target.value)}
            required
          />
          <FieldError error={error} path="currentPassword" />
        </label>
        <label>
          New password
          <input
            name="newPassword"
            type="password"
            autoComplete="new-password"
            value={newPassword}
            onChange={(e) => setNew(e.target.value)}
            required
          />
          <FieldError error={error} path="newPassword" />
        </label>
      </div>
      <ErrorBanner error={error} />
      {ended !== null && (
        <p className="success" aria-live="polite">
          Password changed.{' '}
          {ended === 0 ? 'You had no other sessions.' : `${ended} other session${ended === 1 ? '' : 's'} ended.`}
        </p>
      )}
      <div>
        <button type="submit" className="primary" disabled={busy}>
          Change password
        </button>
      </div>
    </form>
  );
}
