import { type AppError, recordDenial, recordForeignAttempt, toAppError } from '@skillhub/core';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { Logger } from 'pino';
import type { AppEnv } from '../app-env.ts';
import { statusByCode } from './status-by-code.ts';

export interface ErrorBody {
  error: { code: string; message: string; requestId: string; details?: unknown };
}

/**
 * The one place errors become HTTP responses. Expected failures (an
 * AppError, or a database error core knows the meaning of) keep their code
 * and message; anything else is logged with the request id and shown as a
 * short message carrying that id, never a stack trace.
 *
 * By the time an error reaches here the request's transaction has rolled
 * back and released its connection, so the records a failure leaves are
 * written in transactions of their own: a denial before the answer, a
 * cross-tenant probe after it (awaiting it would make the 404 for another
 * tenant's id slower than for an id that exists nowhere).
 */
export const errorHandler = (logger: Logger) => async (error: Error, c: Context<AppEnv>) => {
  const requestId = c.get('requestId') as string;
  const known = toAppError(error);
  if (known) {
    await recordDenialOf(c, known).catch((err: unknown) =>
      logger.error({ err, requestId }, 'recording a refused request failed'),
    );
    recordProbeLater(c, known);
    const body: ErrorBody = { error: { code: known.code, message: known.message, requestId } };
    if (known.details !== undefined) body.error.details = known.details;
    if (known.retryAfterSeconds !== undefined) c.header('Retry-After', String(known.retryAfterSeconds));
    // A client (or a load balancer) should come back, not give up or hammer.
    else if (known.code === 'UNAVAILABLE') c.header('Retry-After', '2');
    return c.json(body, statusByCode[known.code]);
  }
  if (error instanceof HTTPException && error.status < 500) {
    const code = error.status === 413 ? 'PAYLOAD_TOO_LARGE' : error.status === 404 ? 'NOT_FOUND' : 'BAD_REQUEST';
    return c.json({ error: { code, message: error.message || 'bad request', requestId } }, error.status);
  }
  logger.error({ err: error, requestId }, 'unhandled error');
  return c.json(
    { error: { code: 'INTERNAL', message: `Something went wrong on our side (request ${requestId}).`, requestId } },
    500,
  );
};

// A path is recorded as text; PostgreSQL refuses NUL in text, and a denial must not be lost to one.
// The path as sent, still percent-encoded: a decoded %00 could not be stored, and the record would be lost.
const pathAsSent = (c: Context<AppEnv>) => new URL(c.req.url).pathname;

async function recordDenialOf(c: Context<AppEnv>, error: AppError): Promise<void> {
  const auth = c.get('auth');
  if (auth && error.denial) await recordDenial(c.get('db'), auth, { ...error.denial, path: pathAsSent(c) });
}

function recordProbeLater(c: Context<AppEnv>, error: AppError): void {
  const { auth, records, db, requestId } = c.var;
  const probe = error.probe;
  if (!auth || !probe || !records) return;
  const origin = { method: c.req.method, path: pathAsSent(c) };
  records.later('a cross-tenant probe', requestId, () => recordForeignAttempt(db, auth, probe, origin));
}
