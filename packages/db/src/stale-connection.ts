import type { EventEmitter } from 'node:events';
import type pg from 'pg';

/** Round trips each pooled connection has completed (a ReadyForQuery from the server) since its first checkout here. */
const roundTrips = new WeakMap<pg.PoolClient, { completed: number }>();

/** node-postgres' connection under a client, which emits each message the server sends (not in its published types). */
const wireOf = (client: pg.PoolClient): EventEmitter => (client as unknown as { connection: EventEmitter }).connection;

function roundTripsOf(client: pg.PoolClient): { completed: number } {
  let trips = roundTrips.get(client);
  if (!trips) {
    const counter = { completed: 0 };
    wireOf(client).on('readyForQuery', () => {
      counter.completed += 1;
    });
    roundTrips.set(client, counter);
    trips = counter;
  }
  return trips;
}

/**
 * Starts watching one checkout of `client`; the function returned tells whether the server has since
 * answered anything on it. A connection lost before any answer was found dead: above all a pooled
 * connection whose session the server ended while it sat idle (a restart, a failover,
 * pg_terminate_backend) and whose closing the client had not read yet, so the pool handed it out as live.
 *
 * Nothing sent on such a checkout can have committed: withTenant and the workers' transactions send
 * COMMIT only after the statements before it answered (a one-statement read's COMMIT leaves with it,
 * but that transaction is READ ONLY). A first statement whose backend was terminated while it ran is
 * found dead too (pg_cancel_backend, not pg_terminate_backend, stops a runaway query). Only a connection
 * that has served a transaction carries BEGIN with its first statement; on a new one BEGIN answers alone.
 */
export function watchCheckout(client: pg.PoolClient): () => boolean {
  const trips = roundTripsOf(client);
  const before = trips.completed;
  return () => trips.completed !== before;
}

/**
 * Errors already judged by a checkout (thrown out of one, or by the pool's connect): a transaction that
 * opens another inside its own (`withTenantIndependently`) and fails with that one's error, say the pool's
 * acquire timeout, did not lose its own connection.
 */
const judged = new WeakSet<object>();

/** `error`, marked as judged (see {@link judged}). */
export function judgedError(error: unknown): unknown {
  if (typeof error === 'object' && error !== null) judged.add(error);
  return error;
}

/** Whether `error` came out of another checkout, already judged there. */
export const wasJudged = (error: unknown): boolean => typeof error === 'object' && error !== null && judged.has(error);
