import pg from 'pg';

/** The owner's statements on a database a test did not create (a Citus lab's coordinator, say). */
export interface OwnerConnection {
  query<R extends pg.QueryResultRow = Record<string, unknown>>(
    text: string,
    params?: unknown[],
  ): Promise<pg.QueryResult<R>>;
  close(): Promise<void>;
}

/** A pool of one as the owner at `url`: for setting up and inspecting, never for code under test. */
export function openOwnerConnection(url: string): OwnerConnection {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  return { query: (text, params) => pool.query(text, params), close: () => pool.end() };
}
