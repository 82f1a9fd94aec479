import { useState } from 'react';

/**
 * The pages loaded after the first one ("Show more"), for one list: a new
 * `key` (another filter or order) starts over with none.
 */
export function usePages<P>(
  key: string,
  fetchPage: (cursor: string) => Promise<P>,
): { pages: P[]; loading: boolean; error: unknown; load(cursor: string): Promise<void> } {
  const [state, setState] = useState<{ key: string; pages: P[] }>({ key, pages: [] });
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const pages = state.key === key ? state.pages : [];
  const load = async (cursor: string) => {
    setLoading(true);
    setError(null);
    try {
      const page = await fetchPage(cursor);
      setState((previous) => ({ key, pages: [...(previous.key === key ? previous.pages : []), page] }));
    } catch (caught) {
      setError(caught);
    } finally {
      setLoading(false);
    }
  };
  return { pages, loading, error, load };
}
