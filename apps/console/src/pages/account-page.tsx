import { MfaPanel } from '../account/mfa-panel.tsx';
import { PasswordPanel } from '../account/password-panel.tsx';
import { PageHeader } from '../components/layout.tsx';
import { Link } from '../router.tsx';
import { useMe } from '../session.tsx';

/** Your own account: who you are here, your password, two-factor authentication and a way to your sessions. */
export function AccountPage() {
  const me = useMe();
  return (
    <>
      <PageHeader title="Your account" />
      <p className="lead">
        {me.user.displayName} · {me.user.email} · {me.user.role} of {me.tenant.name}
      </p>
      <PasswordPanel />
      <MfaPanel />
      <section className="panel">
        <h2>Sessions</h2>
        <p>
          <Link to="/sessions">See where you are signed in</Link> and end any session you do not recognise.
        </p>
      </section>
    </>
  );
}
