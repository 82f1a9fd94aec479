import type pg from 'pg';
import type { ContextKey } from '../tenant-context/context-key.ts';
import type { TransactionLimits } from '../tenant-context/context-token.ts';
import { runWorkerTransaction, type WorkerTx } from '../tenant-context/worker-transaction.ts';

/** What a sink door runs its statements on: a transaction that carries the delivery worker's signed context. */
export type SinkDeliveryTx = WorkerTx;

/** Runs `fn` in one transaction under the delivery worker's signed context. */
export type SinkDeliveryRunner = <T>(fn: (tx: SinkDeliveryTx) => Promise<T>) => Promise<T>;

/**
 * The sink doors (migration 0051) answer only a transaction whose context
 * the server signed for its delivery worker. This runs one on `client`
 * (a connection of the delivery pool, whose owner releases it, and closes
 * it when it was lost); see {@link runWorkerTransaction}.
 */
export function runSinkDelivery<T>(
  client: pg.PoolClient,
  key: ContextKey,
  limits: TransactionLimits,
  fn: (tx: SinkDeliveryTx) => Promise<T>,
): Promise<T> {
  return runWorkerTransaction(client, key, 'sink-delivery', limits, fn);
}
