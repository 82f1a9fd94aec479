import type { OpenAPIHono } from '@hono/zod-openapi';
import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../app-env.ts';
import { AppError } from '../errors/app-error.ts';

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'NOT_FOUND' }),
      message: z.string(),
      requestId: z.string(),
      details: z.unknown().optional(),
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

export interface RouteSpec {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Hono path syntax (`/skills/:id`). */
  path: string;
  tag: string;
  summary: string;
  body?: z.ZodType;
  query?: z.ZodObject;
  /** Omit for non-JSON responses (streams). */
  response?: z.ZodType;
  status?: 200 | 201;
  /** False for routes anyone may call. */
  authenticated?: boolean;
}

/**
 * Registers a route and its OpenAPI description together, so the zod
 * schemas that validate a request are the ones the document shows.
 */
export function defineRoute(
  app: OpenAPIHono<AppEnv>,
  spec: RouteSpec,
  handler: (c: Context<AppEnv>) => Promise<Response> | Response,
): void {
  const params = [...spec.path.matchAll(/:(\w+)/g)].map((m) => m[1] as string);
  app.openAPIRegistry.registerPath({
    method: spec.method,
    path: spec.path.replace(/:(\w+)/g, '{$1}'),
    tags: [spec.tag],
    summary: spec.summary,
    security: spec.authenticated === false ? [] : [{ session: [] }, { apiKey: [] }],
    request: {
      ...(params.length > 0 && { params: z.object(Object.fromEntries(params.map((p) => [p, z.string()]))) }),
      ...(spec.query && { query: spec.query }),
      ...(spec.body && { body: { required: true, content: { 'application/json': { schema: spec.body } } } }),
    },
    responses: {
      [spec.status ?? 200]: spec.response
        ? { description: spec.summary, content: { 'application/json': { schema: spec.response } } }
        : { description: spec.summary },
      ...errorResponses,
    },
  });
  app.on(spec.method.toUpperCase(), spec.path, handler);
}

const validationError = (error: z.ZodError, where: string) =>
  new AppError(
    'VALIDATION_FAILED',
    `The request ${where} is not valid: ${z.prettifyError(error).replaceAll('\n', ' ')}`,
    {
      details: error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    },
  );

/** The JSON body parsed by `schema`, or 400 VALIDATION_FAILED (unknown fields included, with strict schemas). */
export async function readBody<S extends z.ZodType>(c: Context<AppEnv>, schema: S): Promise<z.infer<S>> {
  let raw: unknown;
  try {
    raw = await c.req.json();
  } catch {
    throw new AppError('BAD_REQUEST', 'The request body must be JSON.');
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw validationError(parsed.error, 'body');
  return parsed.data;
}

/** The query string parsed by `schema`, or 400. */
export function readQuery<S extends z.ZodType>(c: Context<AppEnv>, schema: S): z.infer<S> {
  const parsed = schema.safeParse(c.req.query());
  if (!parsed.success) throw validationError(parsed.error, 'query');
  return parsed.data;
}

/** A path parameter that must be a UUID; anything else is simply not found. */
export function readId(c: Context<AppEnv>, name = 'id'): string {
  const value = c.req.param(name) ?? '';
  if (!z.uuid().safeParse(value).success) throw new AppError('NOT_FOUND', 'Not found.');
  return value;
}
