import { AppError, findUnstorableText } from '@skillhub/core';
import type { Context, MiddlewareHandler } from 'hono';

/**
 * Refuses, with 400 VALIDATION_FAILED, a request whose decoded path
 * parameters, query values or JSON body strings hold text PostgreSQL cannot
 * store (a NUL, a lone surrogate): one check for every route, before its
 * validators and long before SQL. It runs after the route's guards, so a
 * caller who may not use the route is refused (and recorded) as such first.
 * A body that is not JSON is left to the validator's own 400.
 */
export const storableInput: MiddlewareHandler = async (c, next) => {
  const found =
    findUnstorableText(c.req.param(), 'path') ??
    findUnstorableText(queryValues(c), 'query') ??
    (c.req.header('content-type')?.includes('json') ? findUnstorableText(await jsonOrNull(c), 'body') : null);
  if (found) {
    throw new AppError(
      'VALIDATION_FAILED',
      `The request ${found.split(/[. ]/)[0]} holds text that cannot be stored: a NUL character or half of a surrogate pair.`,
      { details: [{ path: found, message: 'contains a NUL character or a lone surrogate' }] },
    );
  }
  await next();
};

/** The query's values by name: one value as itself, a repeated one as a list. */
const queryValues = (c: Context) =>
  Object.fromEntries(
    Object.entries(c.req.queries()).map(([name, values]) => [name, values.length === 1 ? values[0] : values]),
  );

/** The parsed body (Hono keeps it for the validator), or null when it is not JSON. */
const jsonOrNull = (c: Context): Promise<unknown> => c.req.json<unknown>().catch(() => null);
