import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import { drizzle } from 'drizzle-orm/node-postgres';
import type pg from 'pg';
import type * as schema from '../schema/index.ts';
import type { ContextKey } from './context-key.ts';
import { signWorkerContext, type TransactionLimits, type WorkerKind } from './context-token.ts';
import { beginBound } from './transaction-ticket.ts';

/** What a worker's doors run their statements on: a transaction that carries the worker's signed context. */
export type WorkerTx = Pick<NodePgDatabase<typeof schema>, 'execute'>;

/**
 * Runs `fn` in one transaction on `client` under a context the server
 * signs for one of its workers (`kind`): BEGIN reports the backend and
 * start the context is then signed for, and the context is set with the
 * statement timeout. The caller owns the client (releases it, and closes
 * it when it was lost). A failure rolls back where the connection still
 * answers and rethrows.
 */
export async function runWorkerTransaction<T>(
  client: pg.PoolClient,
  key: ContextKey,
  kind: WorkerKind,
  limits: TransactionLimits,
  fn: (tx: WorkerTx) => Promise<T>,
): Promise<T> {
  const binding = await beginBound(client);
  try {
    await client.query("select set_config('app.context', $1, true), set_config('statement_timeout', $2, true)", [
      signWorkerContext(key, kind, binding),
      String(limits.statementTimeoutMs),
    ]);
    // No schema: a worker's doors only `execute`, and the relational schema is rebuilt for every instance.
    const result = await fn(drizzle(client));
    await client.query('commit');
    return result;
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  }
}
