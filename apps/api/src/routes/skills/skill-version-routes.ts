import { type OpenAPIHono, z } from '@hono/zod-openapi';
import { AppError, getVersion, listVersions, publishSkillVersion } from '@skillhub/core';
import type { AppEnv } from '../../app-env.ts';
import { defineRoute, json, jsonBody } from '../../openapi/define-route.ts';
import { inTenant } from '../in-tenant.ts';
import { skillReader, skillWriter } from './skill-access.ts';
import { PublishBody, SkillRefParam, SkillVersion, SkillVersionWithContent } from './skill-schemas.ts';

const publish = defineRoute({
  method: 'post',
  path: '/skills/{ref}/versions',
  tags: ['Versions'],
  summary: 'Publish new content as the next version',
  middleware: [skillWriter] as const,
  request: { params: SkillRefParam, body: jsonBody(PublishBody) },
  responses: { 201: json(SkillVersionWithContent, 'The new version') },
});

const list = defineRoute({
  method: 'get',
  path: '/skills/{ref}/versions',
  tags: ['Versions'],
  summary: 'A skill’s versions, newest first',
  middleware: [skillReader] as const,
  request: { params: SkillRefParam },
  responses: { 200: json(z.object({ versions: z.array(SkillVersion) }), 'The versions') },
});

const VersionParams = SkillRefParam.extend({
  version: z.string().openapi({ param: { name: 'version', in: 'path' }, example: '2' }),
});

const read = defineRoute({
  method: 'get',
  path: '/skills/{ref}/versions/{version}',
  tags: ['Versions'],
  summary: 'One version with its content',
  middleware: [skillReader] as const,
  request: { params: VersionParams },
  responses: { 200: json(SkillVersionWithContent, 'The version') },
});

export function registerSkillVersionRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(publish, async (c) => {
    const { ref } = c.req.valid('param');
    const body = c.req.valid('json');
    return c.json(await publishSkillVersion(c.get('db'), c.get('embeddings'), c.get('caller'), ref, body), 201);
  });

  app.openapi(list, async (c) => {
    const { ref } = c.req.valid('param');
    return c.json({ versions: await inTenant(c, c.get('caller'), (tx) => listVersions(tx, ref)) }, 200);
  });

  app.openapi(read, async (c) => {
    const { ref, version } = c.req.valid('param');
    const number = Number(version);
    if (!Number.isInteger(number) || number < 1 || number > 1_000_000)
      throw new AppError('NOT_FOUND', 'No such version.');
    return c.json(await inTenant(c, c.get('caller'), (tx) => getVersion(tx, ref, number)), 200);
  });
}
