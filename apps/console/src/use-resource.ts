import { useCallback, useEffect, useRef, useState } from 'react';

export interface Resource<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload(): void;
}

/**
 * Loads `load()` whenever `key` changes (and on `reload()`), dropping the
 * answers of loads that a newer one has overtaken.
 */
export function useResource<T>(key: string, load: () => Promise<T>): Resource<T> {
  const [state, setState] = useState<{ key: string; data?: T; error?: unknown; loading: boolean }>({
    key,
    loading: true,
  });
  const [generation, setGeneration] = useState(0);
  const loader = useRef(load);
  loader.current = load;
  // A reload is a new request for the same key.
  const request = `${generation}:${key}`;

  useEffect(() => {
    let current = true;
    const key = request.slice(request.indexOf(':') + 1);
    setState((previous) => ({ ...previous, key, loading: true, error: undefined }));
    loader.current().then(
      (data) => current && setState({ key, data, loading: false }),
      (error: unknown) => current && setState((previous) => ({ ...previous, key, error, loading: false })),
    );
    return () => {
      current = false;
    };
  }, [request]);

  const reload = useCallback(() => setGeneration((n) => n + 1), []);
  // Data loaded for another key is not shown as this key's.
  const data = state.key === key ? state.data : undefined;
  return { data, error: state.error, loading: state.loading, reload };
}
