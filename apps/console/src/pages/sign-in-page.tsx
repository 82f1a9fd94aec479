import { type FormEvent, useState } from 'react';
import { api } from '../api/client.ts';
import type { SignedIn } from '../api/types.ts';
import { AuthFrame } from '../components/auth-frame.tsx';
import { ErrorBanner } from '../components/error-banner.tsx';
import { FieldError } from '../components/field-error.tsx';
import { Link } from '../router.tsx';
import { useSession } from '../session.tsx';
import { useAction } from '../use-action.ts';
import { useForm } from '../use-form.ts';

const lastWorkspace = 'skillhub.workspace';

/** Workspace, email and password; then a code from the authenticator app when the account has MFA. */
export function SignInPage() {
  const { refresh, ended } = useSession();
  const { form, field } = useForm({
    workspace: localStorage.getItem(lastWorkspace) ?? '',
    email: '',
    password: '',
    code: '',
  });
  const [mfaStep, setMfaStep] = useState(false);
  const { busy, error, run } = useAction();

  const signIn = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      const workspace = form.workspace.trim().toLowerCase();
      const result = await api<SignedIn>('/auth/sign-in', {
        method: 'POST',
        body: { workspace, email: form.email, password: form.password },
      });
      localStorage.setItem(lastWorkspace, workspace);
      if (result.mfaRequired) setMfaStep(true);
      else await refresh();
    });
  };

  const verify = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      await api('/auth/mfa/verify', { method: 'POST', body: { code: form.code } });
      await refresh();
    });
  };

  if (mfaStep) {
    return (
      <AuthFrame title="Two-factor authentication">
        <form onSubmit={verify} className="stack">
          <p className="muted">Enter the code from your authenticator app, or one of your recovery codes.</p>
          <label>
            Code
            <input {...field('code')} autoComplete="one-time-code" required minLength={6} />
            <FieldError error={error} path="code" />
          </label>
          <ErrorBanner error={error} />
          <button type="submit" className="primary" disabled={busy}>
            Verify
          </button>
        </form>
      </AuthFrame>
    );
  }

  return (
    <AuthFrame title="Sign in">
      <form onSubmit={signIn} className="stack">
        {ended && (
          <output className="notice" data-testid="session-ended">
            Your session has ended: it was signed out (from another device, the sessions page or by an admin) or it
            timed out. Sign in again to continue.
          </output>
        )}
        <label>
          Workspace
          <input {...field('workspace')} placeholder="acme" required />
          <FieldError error={error} path="workspace" />
        </label>
        <label>
          Email
          <input {...field('email')} type="email" required />
          <FieldError error={error} path="email" />
        </label>
        <label>
          Password
          <input {...field('password')} type="password" autoComplete="current-password" required />
          <FieldError error={error} path="password" />
        </label>
        <ErrorBanner error={error} />
        <button type="submit" className="primary" disabled={busy}>
          Sign in
        </button>
        <p className="muted">
          New here? <Link to="/sign-up">Create a workspace</Link>
        </p>
      </form>
    </AuthFrame>
  );
}
