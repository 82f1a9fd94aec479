import { createContext, type ReactNode, useCallback, useContext, useEffect, useRef, useState } from 'react';
import { ApiError, api, onSignedOut } from './api/client.ts';
import type { Me } from './api/types.ts';

interface SessionState {
  /** undefined while the first /auth/me is in flight; null when signed out. */
  me: Me | null | undefined;
  /** The session ended without this browser signing out (ended elsewhere, or timed out): sign-in says so. */
  ended: boolean;
  /** Asks the server who is signed in (after signing in, say). */
  refresh(): Promise<void>;
  signOut(): Promise<void>;
}

const SessionContext = createContext<SessionState | null>(null);

// The session cookie is HttpOnly, so whether this browser was signed in is kept beside it: a
// reload with a session that ended meanwhile then explains itself instead of just asking to sign in.
const signedInMark = 'skillhub.signedIn';

/** Who is signed in, from GET /auth/me; any 401 from the API signs the console out. */
export function SessionProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [ended, setEnded] = useState(false);
  const signingOut = useRef(false);

  const signedIn = useCallback((who: Me) => {
    localStorage.setItem(signedInMark, '1');
    setEnded(false);
    setMe(who);
  }, []);
  // Signed out by the server: a session this browser did not end itself.
  const lost = useCallback(() => {
    if (!signingOut.current && localStorage.getItem(signedInMark)) setEnded(true);
    localStorage.removeItem(signedInMark);
    setMe(null);
  }, []);

  const refresh = useCallback(async () => {
    try {
      signedIn(await api<Me>('/auth/me'));
    } catch (error) {
      if (error instanceof ApiError && (error.status === 401 || error.status === 403)) lost();
      else throw error;
    }
  }, [signedIn, lost]);

  const signOut = useCallback(async () => {
    signingOut.current = true;
    try {
      await api('/auth/sign-out', { method: 'POST' });
    } finally {
      localStorage.removeItem(signedInMark);
      signingOut.current = false;
      setMe(null);
    }
  }, []);

  useEffect(() => {
    refresh().catch(() => setMe(null));
    return onSignedOut(lost);
  }, [refresh, lost]);

  return <SessionContext.Provider value={{ me, ended, refresh, signOut }}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}

/** The signed-in user; only for pages rendered behind the sign-in gate. */
export function useMe(): Me {
  const { me } = useSession();
  if (!me) throw new Error('useMe while signed out');
  return me;
}
