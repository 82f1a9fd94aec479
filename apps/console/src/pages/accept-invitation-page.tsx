import type { FormEvent } from 'react';
import { api } from '../api/client.ts';
import type { NewAccountSignedIn } from '../api/types.ts';
import { AuthFrame } from '../components/auth-frame.tsx';
import { ErrorBanner } from '../components/error-banner.tsx';
import { FieldError } from '../components/field-error.tsx';
import { Link, navigate } from '../router.tsx';
import { useSession } from '../session.tsx';
import { useAction } from '../use-action.ts';
import { useForm } from '../use-form.ts';

/**
 * Where an invitation's link lands (`/console/accept-invitation?token=…`):
 * the invited person chooses a name and password, and is signed in to the
 * workspace with the role the inviter chose.
 */
export function AcceptInvitationPage({ token }: { token: string }) {
  const { refresh } = useSession();
  const { form, field } = useForm({ displayName: '', password: '' });
  const { busy, error, run } = useAction();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      const account = await api<NewAccountSignedIn>('/auth/accept-invitation', {
        method: 'POST',
        body: { token, displayName: form.displayName, password: form.password },
      });
      localStorage.setItem('skillhub.workspace', account.tenantSlug);
      await refresh();
      navigate('/skills', { replace: true });
    });
  };

  return (
    <AuthFrame title="Join your team">
      <form onSubmit={submit} className="stack">
        <p className="muted">You were invited to a Skillhub workspace. Choose how you appear and your password.</p>
        <label>
          Your name
          <input {...field('displayName')} required />
          <FieldError error={error} path="displayName" />
        </label>
        <label>
          Password
          <input {...field('password')} type="password" autoComplete="new-password" minLength={10} required />
          <span className="hint">At least 10 characters.</span>
          <FieldError error={error} path="password" />
        </label>
        <ErrorBanner error={error} />
        <button type="submit" className="primary" disabled={busy}>
          Join workspace
        </button>
        <p className="muted">
          Already have an account? <Link to="/sign-in">Sign in</Link>
        </p>
      </form>
    </AuthFrame>
  );
}
