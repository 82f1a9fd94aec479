import type { SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { canonicalTextSql } from '../audit/ledger-stream/canonical-text.ts';
import { StoredTree } from '../audit/tree/stored-tree.ts';
import type { ChainQuery } from '../audit/verify-chain.ts';
import type { RequestActor } from '../tenant-context/actor.ts';
import { ContextFirstClient } from '../tenant-context/context-first-client.ts';
import { parseContextKey } from '../tenant-context/context-key.ts';
import {
  bindingOf,
  bindingQueryText,
  defaultTransactionLimits,
  type TransactionBinding,
  tenantContextQuery,
} from '../tenant-context/context-token.ts';
import { drawTicketColumns } from '../tenant-context/transaction-ticket.ts';

/**
 * Raw connections for benchmarks, and nothing else: the owner-side setup a
 * benchmark needs (loading millions of rows, copying tables, reading
 * statistics) and the no-RLS baselines it measures the product against.
 * This is the one door around `withTenant`, so it lives here, in the only
 * package that may reach PostgreSQL; `.dependency-cruiser.cjs` lets
 * only `bench/` import `@skillhub/db/bench`.
 */
const dialect = new PgDialect();

/** The canonical text as verification streams it, for a benchmark's floor: the same expression without the seals. */
export { canonicalTextSql };

export type RawPool = pg.Pool;
export type RawPoolClient = pg.PoolClient;
export type RawClient = pg.Client;
export type { TransactionBinding };

export const openRawPool = (config: pg.PoolConfig): RawPool => new pg.Pool(config);
export const openRawClient = (config: pg.ClientConfig): RawClient => new pg.Client(config);

/** BEGIN and the binding of the transaction it opened, in one round trip, exactly as withTenant starts. */
export { beginBound } from '../tenant-context/transaction-ticket.ts';

/**
 * COMMIT and, in the same round trip, the ticket the session draws for its
 * next transaction, as withTenant's cleanup draws it on a direct connection
 * (migration 0060): the binding of that next transaction, whose BEGIN can
 * then leave with its context ({@link queryWithContext} with `begin`).
 */
export async function commitDrawingTicket(client: pg.ClientBase): Promise<TransactionBinding> {
  const results = (await client.query(`commit; select ${drawTicketColumns}`)) as unknown as pg.QueryResult[];
  const row = results[1]?.rows[0] as { ticket: string; boot_us: string };
  return { pid: (client as unknown as { processID: number }).processID, ticket: row.ticket, bootUs: row.boot_us };
}

/**
 * The transaction `client` is in, as a context must be bound to it (one round
 * trip; withTenant gets it with its BEGIN). Call it after BEGIN.
 */
export async function readBinding(client: pg.ClientBase): Promise<TransactionBinding> {
  const { rows } = await client.query(bindingQueryText);
  return bindingOf(rows[0]);
}

/**
 * The statement `withTenant` sends after BEGIN, as text and parameters for a
 * raw client, with a tenant context signed at each call for the transaction
 * `binding` names ({@link readBinding}). `contextKey` is what `Database.open` takes.
 */
export function tenantContextSigner(
  contextKey: string,
): (tenantId: string, actor: RequestActor, binding: TransactionBinding) => [string, unknown[]] {
  const key = parseContextKey(contextKey);
  return (tenantId, actor, binding) => {
    const query = tenantContextQuery(key, tenantId, actor, defaultTransactionLimits, binding);
    return [query.text, query.values];
  };
}

/**
 * A context statement (`[text, values]`, as {@link tenantContextSigner} or a
 * plain-setting variant makes it) and a transaction's first statement, sent
 * in one round trip exactly as withTenant sends them on a direct connection
 * (ContextFirstClient: the statement prepared once per connection), with
 * BEGIN before them when `begin` (the transaction is bound to a ticket).
 */
export function queryWithContext(
  client: RawPoolClient,
  context: [string, unknown[]],
  text: string,
  params: unknown[],
  begin = false,
): Promise<pg.QueryResult> {
  const connection = new ContextFirstClient(client);
  connection.holdContext({ text: context[0], values: context[1].map(String), begin }, true);
  return connection.query({ text }, params);
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

/** The ledger's clock for a benchmark that needs past months (shared with the tests). */
export { ledgerHistoryBeforeSql } from '../testing/ledger-clock.ts';
