import type { SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { StoredTree } from '../audit/tree/stored-tree.ts';
import type { ChainQuery } from '../audit/verify-chain.ts';
import type { RequestActor } from '../tenant-context/actor.ts';
import { parseContextKey } from '../tenant-context/context-key.ts';
import { defaultTransactionLimits, setTenantContextSql } from '../tenant-context/context-token.ts';

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

const dialect = new PgDialect();

/**
 * The statement `withTenant` sends after BEGIN, as text and parameters for a
 * raw client, with a tenant context signed at each call (so call it after
 * BEGIN, as withTenant does). `contextKey` is what `Database.open` takes.
 */
export function tenantContextSigner(
  contextKey: string,
): (tenantId: string, actor: RequestActor) => [string, unknown[]] {
  const key = parseContextKey(contextKey);
  return (tenantId, actor) => {
    const query = dialect.sqlToQuery(setTenantContextSql(key, tenantId, actor, defaultTransactionLimits));
    return [query.sql, query.params];
  };
}

/**
 * A chain's stored Merkle tree read through a raw (owner) pool, for timing
 * proof generation without a tenant transaction around it.
 */
export function ownerStoredTree(pool: RawPool, chain: string, options?: { tilesPerRead?: number }): StoredTree {
  const query: ChainQuery = async <R extends Record<string, unknown>>(statement: SQL) => {
    const rendered = dialect.sqlToQuery(statement);
    return (await pool.query(rendered.sql, rendered.params)).rows as R[];
  };
  return new StoredTree(query, chain, options);
}
export { StoredTree } from '../audit/tree/stored-tree.ts';
