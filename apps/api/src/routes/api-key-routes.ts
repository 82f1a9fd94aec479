import { type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env.ts';
import { apiKeyScopes, createApiKey, listApiKeys, revokeApiKey } from '../identity/api-keys.ts';
import { inTenant, requireRole } from '../middleware/guards.ts';
import { defineRoute, readBody, readId } from './openapi-route.ts';

const ApiKey = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string(),
    scopes: z.array(z.string()),
    createdBy: z.string().nullable(),
    lastUsedAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi('ApiKey');
const CreateBody = z
  .strictObject({
    name: z.string().trim().min(1).max(100),
    scopes: z.array(z.enum(apiKeyScopes)).min(1).max(apiKeyScopes.length),
  })
  .openapi('CreateApiKey');

export function registerApiKeyRoutes(app: OpenAPIHono<AppEnv>): void {
  defineRoute(
    app,
    {
      method: 'post',
      path: '/api-keys',
      tag: 'API keys',
      summary: 'Create an API key; the key is shown only in this response',
      body: CreateBody,
      response: ApiKey.extend({ key: z.string() }),
      status: 201,
    },
    async (c) => {
      const auth = await requireRole(c, 'admin', 'create API keys');
      const body = await readBody(c, CreateBody);
      const created = await inTenant(c, auth, (tx) => createApiKey(tx, { ...body, createdBy: auth.userId }));
      return c.json(created, 201);
    },
  );

  defineRoute(
    app,
    {
      method: 'get',
      path: '/api-keys',
      tag: 'API keys',
      summary: 'API keys of this workspace (never the secret)',
      response: z.object({ apiKeys: z.array(ApiKey) }),
    },
    async (c) => {
      const auth = await requireRole(c, 'admin', 'list API keys');
      return c.json({ apiKeys: await inTenant(c, auth, listApiKeys) });
    },
  );

  defineRoute(
    app,
    { method: 'delete', path: '/api-keys/:id', tag: 'API keys', summary: 'Revoke an API key', response: ApiKey },
    async (c) => {
      const auth = await requireRole(c, 'admin', 'revoke API keys');
      const id = readId(c);
      return c.json(await inTenant(c, auth, (tx) => revokeApiKey(tx, id)));
    },
  );
}
