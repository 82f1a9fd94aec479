import type { FormEvent } from 'react';
import { api } from '../api/client.ts';
import { AuthFrame } from '../components/auth-frame.tsx';
import { ErrorBanner } from '../components/error-banner.tsx';
import { Link } from '../router.tsx';
import { useSession } from '../session.tsx';
import { slugify } from '../slugify.ts';
import { useAction } from '../use-action.ts';
import { useForm } from '../use-form.ts';

/** Creates a workspace and its owner, who is signed in straight away. */
export function SignUpPage() {
  const { refresh } = useSession();
  const { form, field } = useForm(
    { workspaceName: '', slug: '', displayName: '', email: '', password: '' },
    { from: 'workspaceName', to: 'slug', derive: (name) => slugify(name, 63) },
  );
  const { busy, error, run } = useAction();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      await api('/auth/sign-up', {
        method: 'POST',
        body: {
          email: form.email,
          password: form.password,
          displayName: form.displayName,
          workspace: { name: form.workspaceName, slug: form.slug },
        },
      });
      localStorage.setItem('skillhub.workspace', form.slug);
      await refresh();
    });
  };

  return (
    <AuthFrame title="Create a workspace">
      <form onSubmit={submit} className="stack">
        <label>
          Workspace name
          <input {...field('workspaceName')} required />
        </label>
        <label>
          Workspace address
          <input
            {...field('slug')}
            pattern="[a-z0-9]+(-[a-z0-9]+)*"
            title="lower-case letters, digits and single hyphens"
            required
          />
        </label>
        <label>
          Your name
          <input {...field('displayName')} required />
        </label>
        <label>
          Email
          <input {...field('email')} type="email" required />
        </label>
        <label>
          Password
          <input {...field('password')} type="password" autoComplete="new-password" minLength={10} required />
          <span className="hint">At least 10 characters.</span>
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
