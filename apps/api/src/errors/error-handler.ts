import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { Logger } from 'pino';
import type { AppEnv } from '../app-env.ts';
import { AppError, statusByCode } from './app-error.ts';
import { recordForeignAttempt } from './record-foreign-attempt.ts';

export interface ErrorBody {
  error: { code: string; message: string; requestId: string; details?: unknown };
}

/**
 * The one place errors become HTTP responses. Expected failures keep their
 * code and message; anything else is logged with the request id and shown
 * as a short message carrying that id, never a stack trace.
 */
export const errorHandler = (logger: Logger) => async (error: Error, c: Context<AppEnv>) => {
  const requestId = c.get('requestId') as string;
  if (error instanceof AppError) {
    if (error.probe)
      await recordForeignAttempt(c, error.probe).catch((err: unknown) =>
        logger.error({ err, requestId }, 'recording a cross-tenant attempt failed'),
      );
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
