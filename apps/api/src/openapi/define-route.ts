import { createRoute, type RouteConfig, z } from '@hono/zod-openapi';
import { AppError, type RequestAuth } from '@skillhub/core';
import type { Context, MiddlewareHandler } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../app-env.ts';
import { describeFieldErrors, FieldErrorSchema, fieldErrors } from './field-errors.ts';
import { type RouteAccess, securityOf } from './route-access.ts';
import { storableInput } from './storable-input.ts';

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'VALIDATION_FAILED' }),
      message: z
        .string()
        .openapi({ example: 'The request body is not valid: password must be at least 10 characters.' }),
      requestId: z.string().openapi({ example: '5b0c3f4e-8f1e-4a39-9d5e-2f3a1c7b9e10' }),
      details: z
        .union([z.array(FieldErrorSchema), z.record(z.string(), z.unknown())])
        .optional()
        .openapi({
          description: 'For VALIDATION_FAILED, one entry per refused field; other codes may say more as an object',
          example: [{ path: 'password', message: 'must be at least 10 characters' }],
        }),
    }),
  })
  .openapi('Error');

const errorResponses = Object.fromEntries(
  (
    [
      [400, 'Invalid input'],
      [401, 'Not signed in, or credentials refused'],
      [403, 'Not allowed'],
      [404, 'Not found (also for another workspace’s resources)'],
      [409, 'Conflict'],
    ] as const
  ).map(([status, description]) => [status, { description, content: { 'application/json': { schema: ErrorSchema } } }]),
);

/** A JSON response (or request body) of `schema`. */
export const json = <S extends z.ZodType>(schema: S, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

/** A required JSON request body of `schema`. */
export const jsonBody = <S extends z.ZodType>(schema: S) => ({
  required: true,
  content: { 'application/json': { schema } },
});

/** `{ ok: true }`, for actions with nothing else to say. */
export const Ok = z.object({ ok: z.literal(true) }).openapi('Ok');

/**
 * Runs an authorization check from core before the route's validators, so
 * a caller who may not use a route is refused (and the refusal recorded)
 * whatever they send; the handler reads the checked caller as `c.get('caller')`.
 * `access` declares what the check demands, for the OpenAPI document
 * (`defineRoute` reads it from the guard; `test/route-access.test.ts`
 * holds each route to it).
 */
export const guard = <A extends RequestAuth>(check: (auth: RequestAuth | null) => A, access: RouteAccess) =>
  Object.assign(
    createMiddleware<{ Variables: { caller: A } }>(async (c, next) => {
      c.set('caller', check((c as unknown as Context<AppEnv>).var.auth));
      await next();
    }),
    { access },
  );

/** The access a route's guard declares, if it has one. */
const accessOf = (middleware: unknown[]): RouteAccess | undefined =>
  middleware.map((m) => (m as { access?: RouteAccess }).access).find((access) => access !== undefined);

/** Routes with a body take JSON only; anything else is a 400 before the schema is tried. */
const jsonOnly: MiddlewareHandler = async (c, next) => {
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/([\w.+-]*\+)?json\b/i.test(type))
    throw new AppError('BAD_REQUEST', 'The request body must be JSON.');
  await next();
};

type Responses = RouteConfig['responses'];

/**
 * With `checkResponses` on (the tests turn it on), a JSON success response
 * that does not match the schema its route declares is a 500: the
 * document can never drift from what the server sends.
 */
const responseChecker =
  (responses: Responses): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    await next();
    if (!c.get('checkResponses') || c.res.status >= 400) return;
    const response = responses[c.res.status] as { content?: Record<string, { schema?: unknown }> } | undefined;
    const media = (c.res.headers.get('content-type') ?? '').split(';')[0]?.trim() ?? '';
    const declared = response?.content?.[media]?.schema;
    // A plain OpenAPI schema (not zod) describes a body streamed as it is made: documented, never buffered.
    if (declared !== undefined && !(declared instanceof z.ZodType)) return;
    if (!declared)
      throw new Error(
        `${c.req.method} ${c.req.path} answered ${c.res.status} ${media}, which its route does not declare`,
      );
    const checked = declared.safeParse(await c.res.clone().json());
    if (!checked.success)
      throw new Error(`${c.req.method} ${c.req.path} answered off its schema: ${z.prettifyError(checked.error)}`);
  };

/**
 * A route and its OpenAPI description in one object, for `app.openapi`:
 * the zod schemas that validate a request are the ones the document shows,
 * and the handler's inputs are typed from them. Adds the error responses
 * every route shares, the security requirements its guard declares
 * (`public: true` for none; a route that is neither is refused) and,
 * after the route's guards, the refusal of text PostgreSQL cannot store.
 */
export function defineRoute<const R extends RouteConfig>(config: R & { public?: boolean }): R {
  const { public: open, ...route } = config;
  const guards = [route.middleware ?? []].flat();
  const access = accessOf(guards);
  if (!open && !access) {
    // A route nobody declared access for would be open to whatever its handler forgot to check.
    throw new Error(`${route.method.toUpperCase()} ${route.path} has no guard declaring who may call it`);
  }
  const middleware = [responseChecker(route.responses), ...guards];
  return createRoute({
    ...route,
    middleware: [...middleware, ...(route.request?.body ? [jsonOnly] : []), storableInput],
    security: open || !access ? [] : securityOf(access),
    ...(access && { 'x-skillhub-access': access }),
    responses: { ...route.responses, ...errorResponses },
  }) as unknown as R;
}

/**
 * The OpenAPIHono hook for failed validation: one VALIDATION_FAILED with a
 * field-level `details` list of human messages (a form shows each next to
 * its field), raised like every other error.
 */
export function validationHook(result: { success: boolean; error?: z.ZodError; target: string }): void {
  if (result.success || !result.error) return;
  const where = result.target === 'json' ? 'body' : result.target;
  const details = fieldErrors(result.error);
  throw new AppError(
    'VALIDATION_FAILED',
    `The request ${where} is not valid: ${describeFieldErrors(details, where)}.`,
    {
      details,
    },
  );
}

/** A path parameter that must be a UUID; anything else is simply not found. */
export const IdParam = z.object({
  id: z.string().openapi({ param: { name: 'id', in: 'path' }, format: 'uuid' }),
});
export const readId = (id: string): string => {
  if (!z.uuid().safeParse(id).success) throw new AppError('NOT_FOUND', 'Not found.');
  return id;
};
