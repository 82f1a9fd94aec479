import type { ReactNode } from 'react';
import { useDocumentTitle } from './layout.tsx';

/** The centred card that sign-in and sign-up sit in. */
export function AuthFrame({ title, children }: { title: string; children: ReactNode }) {
  useDocumentTitle(title);
  return (
    <main className="auth-screen">
      <div className="auth-card">
        <div className="brand">
          <span className="logo" aria-hidden="true">
            ◆
          </span>
          <span className="brand-name">Skillhub</span>
        </div>
        <h1>{title}</h1>
        {children}
      </div>
    </main>
  );
}
