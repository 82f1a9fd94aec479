import { type ReactNode, useEffect } from 'react';
import { isAdmin } from './api/types.ts';
import { Layout } from './components/layout.tsx';
import { AcceptInvitationPage } from './pages/accept-invitation-page.tsx';
import { AccountPage } from './pages/account-page.tsx';
import { ApiKeysPage } from './pages/api-keys-page.tsx';
import { AuditSinksPage } from './pages/audit-sinks-page.tsx';
import { AuditTimelinePage } from './pages/audit-timeline-page.tsx';
import { EditSkillPage } from './pages/edit-skill-page.tsx';
import { ErasurePage } from './pages/erasure-page.tsx';
import { NewSkillPage } from './pages/new-skill-page.tsx';
import { PeoplePage } from './pages/people-page.tsx';
import { RetentionPage } from './pages/retention-page.tsx';
import { SecurityActivityPage } from './pages/security-activity-page.tsx';
import { SessionsPage } from './pages/sessions-page.tsx';
import { SettingsPage } from './pages/settings-page.tsx';
import { SignInPage } from './pages/sign-in-page.tsx';
import { SignUpPage } from './pages/sign-up-page.tsx';
import { SkillDetailPage } from './pages/skill-detail-page.tsx';
import { SkillHistoryPage } from './pages/skill-history-page.tsx';
import { SkillsPage } from './pages/skills-page.tsx';
import { VerifyEmailPage } from './pages/verify-email-page.tsx';
import { WorkspaceSessionsPage } from './pages/workspace-sessions-page.tsx';
import { match, navigate, useLocation } from './router.tsx';
import { useSession } from './session.tsx';

interface Route {
  pattern: string;
  adminOnly?: boolean;
  render(params: Record<string, string>): ReactNode;
}

const routes: Route[] = [
  { pattern: '/skills', render: () => <SkillsPage /> },
  { pattern: '/new-skill', render: () => <NewSkillPage /> },
  { pattern: '/skills/:ref', render: ({ ref = '' }) => <SkillDetailPage key={ref} skillRef={ref} /> },
  { pattern: '/skills/:ref/edit', render: ({ ref = '' }) => <EditSkillPage key={ref} skillRef={ref} /> },
  { pattern: '/skills/:ref/history', render: ({ ref = '' }) => <SkillHistoryPage key={ref} skillRef={ref} /> },
  { pattern: '/audit', adminOnly: true, render: () => <AuditTimelinePage /> },
  { pattern: '/streams', adminOnly: true, render: () => <AuditSinksPage /> },
  { pattern: '/retention', adminOnly: true, render: () => <RetentionPage /> },
  { pattern: '/security', adminOnly: true, render: () => <SecurityActivityPage /> },
  { pattern: '/erasure', adminOnly: true, render: () => <ErasurePage /> },
  { pattern: '/sessions', render: () => <SessionsPage /> },
  { pattern: '/people', adminOnly: true, render: () => <PeoplePage /> },
  { pattern: '/workspace-sessions', adminOnly: true, render: () => <WorkspaceSessionsPage /> },
  { pattern: '/account', render: () => <AccountPage /> },
  { pattern: '/api-keys', adminOnly: true, render: () => <ApiKeysPage /> },
  { pattern: '/settings', render: () => <SettingsPage /> },
];
const publicPaths = ['/sign-in', '/sign-up'];

/** Sends a path that shows nothing to the page that should show instead. */
function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true }), [to]);
  return null;
}

export function App() {
  const { me } = useSession();
  const { path, search } = useLocation();
  if (me === undefined) return <div className="loading-screen">Loading…</div>;
  // A mailed link opens a new account whoever is signed in here; it replaces that session.
  const token = search.get('token') ?? '';
  if (path === '/verify-email') return <VerifyEmailPage key={token} token={token} />;
  if (path === '/accept-invitation') return <AcceptInvitationPage key={token} token={token} />;
  if (!me) {
    if (path === '/sign-up') return <SignUpPage />;
    if (path === '/sign-in') return <SignInPage />;
    return <Redirect to="/sign-in" />;
  }
  if (path === '/' || publicPaths.includes(path)) return <Redirect to="/skills" />;
  for (const route of routes) {
    const params = match(route.pattern, path);
    if (!params) continue;
    const allowed = !route.adminOnly || isAdmin(me.user.role);
    return (
      <Layout>
        {allowed ? route.render(params) : <p className="notice">This page is for workspace admins and owners.</p>}
      </Layout>
    );
  }
  return (
    <Layout>
      <p className="notice">There is no page at {path}.</p>
    </Layout>
  );
}
