import { type FormEvent, useState } from 'react';
import { api } from '../api/client.ts';
import type { SignUpRequested } from '../api/types.ts';
import { AuthFrame } from '../components/auth-frame.tsx';
import { ErrorBanner } from '../components/error-banner.tsx';
import { FieldError } from '../components/field-error.tsx';
import { Link } from '../router.tsx';
import { slugify } from '../slugify.ts';
import { useAction } from '../use-action.ts';
import { useForm } from '../use-form.ts';

/**
 * Asks for a workspace and its owner. Nothing exists until the person opens
 * the link mailed to the address (the verify-email page), so this page ends
 * at "check your email", the same for every address.
 */
export function SignUpPage() {
  const { form, field } = useForm(
    { workspaceName: '', slug: '', displayName: '', email: '', password: '' },
    { from: 'workspaceName', to: 'slug', derive: (name) => slugify(name, 63) },
  );
  const { busy, error, run } = useAction();
  const [sentTo, setSentTo] = useState<string | null>(null);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      await api<SignUpRequested>('/auth/sign-up', {
        method: 'POST',
        body: {
          email: form.email,
          password: form.password,
          displayName: form.displayName,
          workspace: { name: form.workspaceName, slug: form.slug },
        },
      });
      localStorage.setItem('skillhub.workspace', form.slug);
      setSentTo(form.email);
    });
  };

  if (sentTo) {
    return (
      <AuthFrame title="Check your email">
        <div className="stack" aria-live="polite">
          <p>
            We sent a link to <strong>{sentTo}</strong>. Open it to confirm the address and finish creating your
            workspace; it works for 24 hours.
          </p>
          <p className="muted small">
            No mail? Check the address and your spam folder. Running Skillhub without a mail server? The link is in the
            server log and in .skillhub/mail.
          </p>
          <p className="muted">
            Already confirmed? <Link to="/sign-in">Sign in</Link>
          </p>
        </div>
      </AuthFrame>
    );
  }

  return (
    <AuthFrame title="Create a workspace">
      <form onSubmit={submit} className="stack">
        <label>
          Workspace name
          <input {...field('workspaceName')} required />
          <FieldError error={error} path="workspace.name" />
        </label>
        <label>
          Workspace address
          <input
            {...field('slug')}
            pattern="[a-z0-9]+(-[a-z0-9]+)*"
            title="lower-case letters, digits and single hyphens"
            required
          />
          <FieldError error={error} path="workspace.slug" />
        </label>
        <label>
          Your name
          <input {...field('displayName')} required />
          <FieldError error={error} path="displayName" />
        </label>
        <label>
          Email
          <input {...field('email')} type="email" required />
          <FieldError error={error} path="email" />
        </label>
        <label>
          Password
          <input {...field('password')} type="password" autoComplete="new-password" minLength={10} required />
          <span className="hint">At least 10 characters.</span>
          <FieldError error={error} path="password" />
        </label>
        <ErrorBanner error={error} />
        <button type="submit" className="primary" disabled={busy}>
          Create workspace
        </button>
        <p className="muted">
          Already have an account? <Link to="/sign-in">Sign in</Link>
        </p>
      </form>
    </AuthFrame>
  );
}
