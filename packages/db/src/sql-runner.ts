/** A way to run one parameterized statement; keeps checks independent of how the connection was made. */
export type SqlRunner = <R extends Record<string, unknown>>(text: string, params?: unknown[]) => Promise<{ rows: R[] }>;

interface Queryable {
  query(text: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
}

export const runnerFor =
  (queryable: Queryable): SqlRunner =>
  async <R extends Record<string, unknown>>(text: string, params?: unknown[]) =>
    (await queryable.query(text, params)) as { rows: R[] };
