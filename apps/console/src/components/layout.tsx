import { type ReactNode, useEffect, useId, useState } from 'react';
import { isAdmin } from '../api/types.ts';
import { Link, useLocation } from '../router.tsx';
import { useMe, useSession } from '../session.tsx';

interface NavItem {
  to: string;
  label: string;
  adminOnly?: boolean;
}

const nav: NavItem[] = [
  { to: '/skills', label: 'Skills' },
  { to: '/new-skill', label: 'New skill' },
  { to: '/audit', label: 'Audit trail', adminOnly: true },
  { to: '/streams', label: 'Audit streams', adminOnly: true },
  { to: '/retention', label: 'Retention', adminOnly: true },
  { to: '/security', label: 'Security activity', adminOnly: true },
  { to: '/erasure', label: 'Erase personal data', adminOnly: true },
  { to: '/people', label: 'People', adminOnly: true },
  { to: '/sessions', label: 'Sessions' },
  { to: '/workspace-sessions', label: 'Signed in now', adminOnly: true },
  { to: '/api-keys', label: 'API keys', adminOnly: true },
  { to: '/settings', label: 'Settings' },
  { to: '/account', label: 'Account' },
];

/**
 * The signed-in frame: workspace, navigation (admin pages only for admins),
 * the user and sign-out. On a narrow screen the navigation folds behind a
 * menu button and closes again once a page is chosen.
 */
export function Layout({ children }: { children: ReactNode }) {
  const me = useMe();
  const { signOut } = useSession();
  const { path } = useLocation();
  const admin = isAdmin(me.user.role);
  const [menuOpen, setMenuOpen] = useState(false);
  const menuId = useId();
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new path is what closes the menu
  useEffect(() => setMenuOpen(false), [path]);
  return (
    <div className={menuOpen ? 'shell menu-open' : 'shell'}>
      <aside className="sidebar">
        <div className="brand">
          <span className="logo" aria-hidden="true">
            ◆
          </span>
          <div>
            <div className="brand-name">Skillhub</div>
            <div className="workspace" title={me.tenant.slug}>
              {me.tenant.name}
            </div>
          </div>
        </div>
        <button
          type="button"
          className="menu-button"
          aria-expanded={menuOpen}
          aria-controls={menuId}
          onClick={() => setMenuOpen((open) => !open)}
        >
          <span aria-hidden="true">{menuOpen ? '✕' : '☰'}</span> Menu
        </button>
        <div className="menu" id={menuId}>
          <nav aria-label="Console">
            {nav
              .filter((item) => admin || !item.adminOnly)
              .map((item) => (
                <Link key={item.to} to={item.to} className={path.startsWith(item.to) ? 'active' : undefined}>
                  {item.label}
                </Link>
              ))}
          </nav>
          <div className="me">
            <div className="me-name">{me.user.displayName}</div>
            <div className="me-detail">
              {me.user.email} · {me.user.role}
            </div>
            <button type="button" className="link-button" onClick={() => void signOut()}>
              Sign out
            </button>
          </div>
        </div>
      </aside>
      <main className="page">{children}</main>
    </div>
  );
}

/** Sets the browser tab's title to the page's own, so tabs and history tell pages apart. */
export function useDocumentTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · Skillhub`;
  }, [title]);
}

/** A page's title row (and the tab's title), with optional actions on the right. */
export function PageHeader({ title, children }: { title: string; children?: ReactNode }) {
  useDocumentTitle(title);
  return (
    <header className="page-header">
      <h1>{title}</h1>
      {children && <div className="actions">{children}</div>}
    </header>
  );
}
