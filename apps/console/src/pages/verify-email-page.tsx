import { useEffect, useRef, useState } from 'react';
import { api } from '../api/client.ts';
import type { NewAccountSignedIn } from '../api/types.ts';
import { AuthFrame } from '../components/auth-frame.tsx';
import { ErrorBanner } from '../components/error-banner.tsx';
import { Link, navigate } from '../router.tsx';
import { useSession } from '../session.tsx';

/**
 * Where the link mailed at sign-up lands (`/console/verify-email?token=…`):
 * posts the token once, which creates the account (and its workspace) and
 * signs it in, then goes to the skills.
 */
export function VerifyEmailPage({ token }: { token: string }) {
  const { refresh } = useSession();
  const [error, setError] = useState<unknown>(null);
  // The token works once: a second effect run (React's strict mode) must not post it again.
  const posted = useRef(false);

  useEffect(() => {
    if (posted.current) return;
    posted.current = true;
    api<NewAccountSignedIn>('/auth/verify-email', { method: 'POST', body: { token } })
      .then(async (account) => {
        localStorage.setItem('skillhub.workspace', account.tenantSlug);
        await refresh();
        navigate('/skills', { replace: true });
      })
      .catch(setError);
  }, [token, refresh]);

  return (
    <AuthFrame title="Confirming your email">
      <div className="stack" aria-live="polite">
        {error ? (
          <>
            <ErrorBanner error={error} />
            <p className="muted">
              <Link to="/sign-up">Sign up again</Link> or <Link to="/sign-in">sign in</Link>.
            </p>
          </>
        ) : (
          <p className="muted">Creating your account…</p>
        )}
      </div>
    </AuthFrame>
  );
}
