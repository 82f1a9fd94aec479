import { AsyncLocalStorage } from 'node:async_hooks';
import type { EventEmitter } from 'node:events';
import type pg from 'pg';

/**
 * Messages each pooled connection has had from the server, since its first checkout here, that answer
 * something sent: all but an error, a notice, a setting's report and a notification, which a server
 * sends unasked (an ended session's last word is an error).
 */
const answers = new WeakMap<pg.PoolClient, { count: number }>();
const unasked = new Set(['error', 'notice', 'parameterStatus', 'notification']);

/** node-postgres' connection under a client, which emits each message the server sends (not in its published types). */
const wireOf = (client: pg.PoolClient): EventEmitter => (client as unknown as { connection: EventEmitter }).connection;

function answersOf(client: pg.PoolClient): { count: number } {
  let counted = answers.get(client);
  if (!counted) {
    const counter = { count: 0 };
    wireOf(client).on('message', (message: { name: string }) => {
      if (!unasked.has(message.name)) counter.count += 1;
    });
    answers.set(client, counter);
    counted = counter;
  }
  return counted;
}

/**
 * Starts watching one checkout of `client`; the function returned tells whether the server has since
 * answered anything on it. A connection lost before any answer was found dead: a pooled connection whose
 * session the server ended while it sat idle (a restart, a failover, pg_terminate_backend), whose closing
 * the client had not read yet, so the pool handed it out as live.
 *
 * A backend that began on what it was sent has answered: PostgreSQL acknowledges each Parse and Bind, and
 * a backend terminated at work flushes those and the rows it sent before its last error. Only a backend
 * that dies at once (a crash) leaves a statement unanswered, and a connection the pool opens answers BEGIN
 * alone before its first statement. Nothing sent on a checkout left unanswered can have committed:
 * withTenant and the workers' transactions send COMMIT only after the statements before it answered (a
 * one-statement read's leaves with it, but that transaction is READ ONLY).
 */
export function watchCheckout(client: pg.PoolClient): () => boolean {
  const counted = answersOf(client);
  const before = counted.count;
  return () => counted.count !== before;
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

/** Whether `error`, or an error it wraps, came out of another checkout, already judged there. */
export function wasJudged(error: unknown): boolean {
  for (let e = error, depth = 0; typeof e === 'object' && e !== null && depth < 8; depth += 1) {
    if (judged.has(e)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** One run of a checkout's work; `elsewhere` once it has reached the database other than through its own connection. */
export interface Attempt {
  elsewhere: boolean;
}
const attempts = new AsyncLocalStorage<Attempt>();

/**
 * Runs `fn` as `attempt`. Work it does on the database through another connection (a transaction of its
 * own, a platform door's statement) marks it, and such an attempt is never run again: that work may
 * have committed already, and would be done twice.
 */
export const runAttempt = <T>(attempt: Attempt, fn: () => Promise<T>): Promise<T> => attempts.run(attempt, fn);

/** Marks the attempt this code runs in, if any, as having reached the database elsewhere. */
export function reachedElsewhere(): void {
  const attempt = attempts.getStore();
  if (attempt) attempt.elsewhere = true;
}
