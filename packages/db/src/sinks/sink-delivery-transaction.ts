import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import { drizzle } from 'drizzle-orm/node-postgres';
import type pg from 'pg';
import * as schema from '../schema/index.ts';
import type { ContextKey } from '../tenant-context/context-key.ts';
import {
  beginBoundText,
  bindingOf,
  signSinkDeliveryContext,
  type TransactionLimits,
} from '../tenant-context/context-token.ts';

/** What a sink door runs its statements on: a transaction that carries the delivery worker's signed context. */
export type SinkDeliveryTx = Pick<NodePgDatabase<typeof schema>, 'execute'>;

/** Runs `fn` in one transaction under the delivery worker's signed context. */
export type SinkDeliveryRunner = <T>(fn: (tx: SinkDeliveryTx) => Promise<T>) => Promise<T>;

/**
 * The sink doors (migration 0051) answer only a transaction whose context
 * the server signed for its delivery worker. This runs one on `client`
 * (a connection of the delivery pool, whose owner releases it, and closes
 * it when it was lost): BEGIN reports the backend and start the context is
 * then signed for, and the context is set with the statement timeout.
 * A failure rolls back where the connection still answers and rethrows.
 */
export async function runSinkDelivery<T>(
  client: pg.PoolClient,
  key: ContextKey,
  limits: TransactionLimits,
  fn: (tx: SinkDeliveryTx) => Promise<T>,
): Promise<T> {
  const began = (await client.query(beginBoundText)) as unknown as pg.QueryResult[];
  try {
    await client.query("select set_config('app.context', $1, true), set_config('statement_timeout', $2, true)", [
      signSinkDeliveryContext(key, bindingOf(began[1]?.rows[0])),
      String(limits.statementTimeoutMs),
    ]);
    const result = await fn(drizzle(client, { schema }));
    await client.query('commit');
    return result;
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  }
}
