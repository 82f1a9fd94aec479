import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { Logger } from 'pino';
import { AppError, statusByCode } from './app-error.ts';

export interface ErrorBody {
  error: { code: string; message: string; requestId: string; details?: unknown };
}

/**
 * The one place errors become HTTP responses. Expected failures keep their
 * code and message; anything else is logged with the request id and shown
 * as a short message carrying that id, never a stack trace.
 */
export const errorHandler = (logger: Logger) => (error: Error, c: Context) => {
  const requestId = c.get('requestId') as string;
  if (error instanceof AppError) {
    const status = statusByCode[error.code];
    const body: ErrorBody = { error: { code: error.code, message: error.message, requestId } };
    if (error.details !== undefined) body.error.details = error.details;
    return c.json(body, status);
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
