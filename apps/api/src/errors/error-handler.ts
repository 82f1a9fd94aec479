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
 * back and released its connection, so the records a failure leaves (a
 * denial, a cross-tenant probe) are written in transactions of their own.
 */
export const errorHandler = (logger: Logger) => async (error: Error, c: Context<AppEnv>) => {
  const requestId = c.get('requestId') as string;
  const known = toAppError(error);
  if (known) {
    await recordFailure(c, known).catch((err: unknown) =>
      logger.error({ err, requestId }, 'recording a refused request failed'),
    );
    const body: ErrorBody = { error: { code: known.code, message: known.message, requestId } };
    if (known.details !== undefined) body.error.details = known.details;
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

async function recordFailure(c: Context<AppEnv>, error: AppError): Promise<void> {
  const auth = c.var.auth;
  if (!auth) return;
  // The path as sent, still percent-encoded: a decoded %00 could not be stored, and the denial would be lost.
  const path = new URL(c.req.url).pathname;
  if (error.denial) await recordDenial(c.var.db, auth, { ...error.denial, path });
  if (error.probe)
    await recordForeignAttempt(c.var.db, auth, error.probe, { ip: c.var.clientIp, method: c.req.method, path });
}
