import { type OpenAPIHono, z } from '@hono/zod-openapi';
import { createSkill, deleteSkill, embedSkill, getSkill, listSkills, mergeSkills, updateSkill } from '@skillhub/core';
import type { AppEnv } from '../../app-env.ts';
import { defineRoute, json, jsonBody, Ok } from '../../openapi/define-route.ts';
import { adminGuard } from '../../openapi/route-guards.ts';
import { inTenant, readInTenant } from '../in-tenant.ts';
import { skillReader, skillWriter } from './skill-access.ts';
import { CreateSkillBody, ListQuery, MergeBody, Skill, SkillRefParam, UpdateSkillBody } from './skill-schemas.ts';

const create = defineRoute({
  method: 'post',
  path: '/skills',
  tags: ['Skills'],
  summary: 'Create a skill (content becomes version 1)',
  middleware: [skillWriter] as const,
  request: { body: jsonBody(CreateSkillBody) },
  responses: { 201: json(Skill, 'The new skill') },
});

const list = defineRoute({
  method: 'get',
  path: '/skills',
  tags: ['Skills'],
  summary: 'List skills with filters, sort and cursor',
  middleware: [skillReader] as const,
  request: { query: ListQuery },
  responses: { 200: json(z.object({ skills: z.array(Skill), nextCursor: z.string().nullable() }), 'One page') },
});

const merge = defineRoute({
  method: 'post',
  path: '/skills/merge',
  tags: ['Skills'],
  summary: 'Merge a duplicate skill into another (admins)',
  middleware: [adminGuard('merge skills')] as const,
  request: { body: jsonBody(MergeBody) },
  responses: { 200: json(z.object({ skill: Skill, moved: z.record(z.string(), z.number()) }), 'The merged skill') },
});

const read = defineRoute({
  method: 'get',
  path: '/skills/{ref}',
  tags: ['Skills'],
  summary: 'A skill by id or slug, with its content',
  middleware: [skillReader] as const,
  request: { params: SkillRefParam },
  responses: { 200: json(Skill, 'The skill') },
});

const update = defineRoute({
  method: 'patch',
  path: '/skills/{ref}',
  tags: ['Skills'],
  summary: 'Change a skill’s name, slug, description, tags or visibility',
  middleware: [skillWriter] as const,
  request: { params: SkillRefParam, body: jsonBody(UpdateSkillBody) },
  responses: { 200: json(Skill, 'The changed skill') },
});

const remove = defineRoute({
  method: 'delete',
  path: '/skills/{ref}',
  tags: ['Skills'],
  summary: 'Delete a skill (its author or an admin)',
  middleware: [skillWriter] as const,
  request: { params: SkillRefParam },
  responses: { 200: json(Ok, 'Deleted') },
});

export function registerSkillRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(create, async (c) => {
    const auth = c.get('caller');
    const body = c.req.valid('json');
    const embedding =
      body.content === undefined ? null : await embedSkill(c.get('embeddings'), { ...body, content: body.content });
    return c.json(await inTenant(c, auth, (tx) => createSkill(tx, auth, body, embedding)), 201);
  });

  app.openapi(list, async (c) => {
    const query = c.req.valid('query');
    return c.json(await readInTenant(c, c.get('caller'), (tx) => listSkills(tx, query)), 200);
  });

  app.openapi(merge, async (c) => {
    const { source, target } = c.req.valid('json');
    return c.json(await inTenant(c, c.get('caller'), (tx) => mergeSkills(tx, source, target)), 200);
  });

  app.openapi(read, async (c) => {
    const { ref } = c.req.valid('param');
    return c.json(await readInTenant(c, c.get('caller'), (tx) => getSkill(tx, ref)), 200);
  });

  app.openapi(update, async (c) => {
    const auth = c.get('caller');
    const { ref } = c.req.valid('param');
    const body = c.req.valid('json');
    return c.json(await inTenant(c, auth, (tx) => updateSkill(tx, auth, ref, body)), 200);
  });

  app.openapi(remove, async (c) => {
    const auth = c.get('caller');
    const { ref } = c.req.valid('param');
    await inTenant(c, auth, (tx) => deleteSkill(tx, auth, ref));
    return c.json({ ok: true as const }, 200);
  });
}
