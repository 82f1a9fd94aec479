import { type OpenAPIHono, z } from '@hono/zod-openapi';
import { createApiKey, listApiKeys, revokeApiKey } from '@skillhub/core';
import type { AppEnv } from '../../app-env.ts';
import { defineRoute, IdParam, json, jsonBody, readId } from '../../openapi/define-route.ts';
import { adminGuard } from '../../openapi/route-guards.ts';
import { inTenant } from '../in-tenant.ts';
import { ApiKey, CreateApiKeyBody } from './identity-schemas.ts';

const create = defineRoute({
  method: 'post',
  path: '/api-keys',
  tags: ['API keys'],
  summary: 'Create an API key; the key is shown only in this response',
  middleware: [adminGuard('create API keys')] as const,
  request: { body: jsonBody(CreateApiKeyBody) },
  responses: { 201: json(ApiKey.extend({ key: z.string() }), 'The new key, with its secret') },
});

const list = defineRoute({
  method: 'get',
  path: '/api-keys',
  tags: ['API keys'],
  summary: 'API keys of this workspace (never the secret)',
  middleware: [adminGuard('list API keys')] as const,
  responses: { 200: json(z.object({ apiKeys: z.array(ApiKey) }), 'The workspace’s keys') },
});

const revoke = defineRoute({
  method: 'delete',
  path: '/api-keys/{id}',
  tags: ['API keys'],
  summary: 'Revoke an API key',
  middleware: [adminGuard('revoke API keys')] as const,
  request: { params: IdParam },
  responses: { 200: json(ApiKey, 'The revoked key') },
});

export function registerApiKeyRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(create, async (c) => {
    const auth = c.get('caller');
    const body = c.req.valid('json');
    return c.json(await inTenant(c, auth, (tx) => createApiKey(tx, { ...body, createdBy: auth.userId })), 201);
  });

  app.openapi(list, async (c) => {
    return c.json({ apiKeys: await inTenant(c, c.get('caller'), listApiKeys) }, 200);
  });

  app.openapi(revoke, async (c) => {
    const id = readId(c.req.valid('param').id);
    return c.json(await inTenant(c, c.get('caller'), (tx) => revokeApiKey(tx, id)), 200);
  });
}
