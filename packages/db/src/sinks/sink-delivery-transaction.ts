import { sql } from 'drizzle-orm';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import type * as schema from '../schema/index.ts';
import type { ContextKey } from '../tenant-context/context-key.ts';
import {
  bindingOf,
  bindingQueryText,
  signSinkDeliveryContext,
  type TransactionLimits,
} from '../tenant-context/context-token.ts';

/** What a sink door runs its statements on: a transaction that carries the delivery worker's signed context. */
export type SinkDeliveryTx = Pick<NodePgDatabase<typeof schema>, 'execute'>;

/** Runs `fn` in one transaction under the delivery worker's signed context. */
export type SinkDeliveryRunner = <T>(fn: (tx: SinkDeliveryTx) => Promise<T>) => Promise<T>;

/**
 * The sink doors (migration 0051) answer only a transaction whose context
 * the server signed for its delivery worker. This opens one on `db` (the
 * delivery pool): the transaction reports its backend and start, the
 * context is signed for exactly that, and set with the statement timeout.
 */
export function sinkDeliveryRunner(
  db: NodePgDatabase<typeof schema>,
  key: ContextKey,
  limits: TransactionLimits,
): SinkDeliveryRunner {
  return (fn) =>
    db.transaction(async (tx) => {
      const { rows } = await tx.execute<{ pid: number; started_us: string }>(sql.raw(bindingQueryText));
      const context = signSinkDeliveryContext(key, bindingOf(rows[0]));
      await tx.execute(
        sql`select set_config('app.context', ${context}, true), set_config('statement_timeout', ${String(limits.statementTimeoutMs)}, true)`,
      );
      return fn(tx);
    });
}
