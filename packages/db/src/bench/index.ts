import pg from 'pg';

/**
 * Raw connections for benchmarks, and nothing else: the owner-side setup a
 * benchmark needs (loading millions of rows, copying tables, reading
 * statistics) and the no-RLS baselines it measures the product against.
 * This is the one door around `withTenant`, so it lives here, in the only
 * package that may reach PostgreSQL; `.dependency-cruiser.cjs` lets
 * only `bench/` import `@skillhub/db/bench`.
 */
export type RawPool = pg.Pool;
export type RawPoolClient = pg.PoolClient;
export type RawClient = pg.Client;

export const openRawPool = (config: pg.PoolConfig): RawPool => new pg.Pool(config);
export const openRawClient = (config: pg.ClientConfig): RawClient => new pg.Client(config);
