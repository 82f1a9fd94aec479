import { type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv, RequestAuth } from '../app-env.ts';
import { AppError } from '../errors/app-error.ts';
import { inTenant, requireAuth, requireRole } from '../middleware/guards.ts';
import { createSkill } from '../skills/create-skill.ts';
import { deleteSkill } from '../skills/delete-skill.ts';
import { findSkill } from '../skills/find-skill.ts';
import { listSkills } from '../skills/list-skills.ts';
import { mergeSkills } from '../skills/merge-skills.ts';
import { publishVersion } from '../skills/publish-version.ts';
import { embedSkill } from '../skills/skill-embedding.ts';
import { assertCanChangeSkill, assertScope } from '../skills/skill-permissions.ts';
import { toSkillView } from '../skills/skill-view.ts';
import { updateSkill } from '../skills/update-skill.ts';
import { getVersion, listVersions } from '../skills/versions.ts';
import { defineRoute, readBody, readQuery } from './openapi-route.ts';
import { CreateSkillBody, ListQuery, MergeBody, PublishBody, Skill, UpdateSkillBody } from './skill-schemas.ts';

const Version = z
  .object({
    id: z.string(),
    version: z.number(),
    changelog: z.string(),
    createdBy: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi('SkillVersion');

/** The caller, allowed to read skills (users always; API keys with skills:read). */
export async function reader(c: Context<AppEnv>): Promise<RequestAuth> {
  const auth = requireAuth(c);
  await assertScope(c.var.db, auth, 'skills:read');
  return auth;
}

/** The caller, allowed to write skills (users by role; API keys with skills:write). */
async function writer(c: Context<AppEnv>): Promise<RequestAuth> {
  const auth = requireAuth(c);
  await assertScope(c.var.db, auth, 'skills:write');
  return auth;
}

const skillRef = (c: Context<AppEnv>) => {
  const ref = c.req.param('ref') ?? '';
  if (ref.length > 100) throw new AppError('NOT_FOUND', 'No such skill.');
  return ref;
};

export function registerSkillRoutes(app: OpenAPIHono<AppEnv>): void {
  defineRoute(
    app,
    {
      method: 'post',
      path: '/skills',
      tag: 'Skills',
      summary: 'Create a skill (content becomes version 1)',
      body: CreateSkillBody,
      response: Skill,
      status: 201,
    },
    async (c) => {
      const auth = await writer(c);
      const body = await readBody(c, CreateSkillBody);
      const embedding =
        body.content === undefined ? null : await embedSkill(c.var.embeddings, { ...body, content: body.content });
      return c.json(await inTenant(c, auth, (tx) => createSkill(tx, auth, body, embedding)), 201);
    },
  );

  defineRoute(
    app,
    {
      method: 'get',
      path: '/skills',
      tag: 'Skills',
      summary: 'List skills with filters, sort and cursor',
      query: ListQuery,
      response: z.object({ skills: z.array(Skill), nextCursor: z.string().nullable() }),
    },
    async (c) => {
      const auth = await reader(c);
      const query = readQuery(c, ListQuery);
      const order = query.order ?? (query.sort === 'name' ? 'asc' : 'desc');
      return c.json(await inTenant(c, auth, (tx) => listSkills(tx, { ...query, order })));
    },
  );

  defineRoute(
    app,
    {
      method: 'post',
      path: '/skills/merge',
      tag: 'Skills',
      summary: 'Merge a duplicate skill into another (admins)',
      body: MergeBody,
      response: z.object({ skill: Skill, moved: z.record(z.string(), z.number()) }),
    },
    async (c) => {
      const auth = await requireRole(c, 'admin', 'merge skills');
      const body = await readBody(c, MergeBody);
      return c.json(await inTenant(c, auth, (tx) => mergeSkills(tx, body.source, body.target)));
    },
  );

  defineRoute(
    app,
    {
      method: 'get',
      path: '/skills/:ref',
      tag: 'Skills',
      summary: 'A skill by id or slug, with its content',
      response: Skill,
    },
    async (c) => {
      const auth = await reader(c);
      const ref = skillRef(c);
      return c.json(
        await inTenant(c, auth, async (tx) => toSkillView(await findSkill(tx, ref, { withContent: true }))),
      );
    },
  );

  defineRoute(
    app,
    {
      method: 'patch',
      path: '/skills/:ref',
      tag: 'Skills',
      summary: 'Change a skill’s name, slug, description, tags or visibility',
      body: UpdateSkillBody,
      response: Skill,
    },
    async (c) => {
      const auth = await writer(c);
      const ref = skillRef(c);
      const body = await readBody(c, UpdateSkillBody);
      return c.json(
        await inTenant(c, auth, async (tx) => {
          const skill = await findSkill(tx, ref, { forUpdate: true });
          await assertCanChangeSkill(c.var.db, auth, skill, 'change this skill');
          return updateSkill(tx, skill.id, body);
        }),
      );
    },
  );

  defineRoute(
    app,
    {
      method: 'delete',
      path: '/skills/:ref',
      tag: 'Skills',
      summary: 'Delete a skill (its author or an admin)',
      response: z.object({ ok: z.literal(true) }),
    },
    async (c) => {
      const auth = await writer(c);
      const ref = skillRef(c);
      await inTenant(c, auth, async (tx) => {
        const skill = await findSkill(tx, ref, { forUpdate: true });
        await assertCanChangeSkill(c.var.db, auth, skill, 'delete this skill');
        await deleteSkill(tx, skill);
      });
      return c.json({ ok: true as const });
    },
  );

  defineRoute(
    app,
    {
      method: 'post',
      path: '/skills/:ref/versions',
      tag: 'Versions',
      summary: 'Publish new content as the next version',
      body: PublishBody,
      response: Version.extend({ content: z.string() }),
      status: 201,
    },
    async (c) => {
      const auth = await writer(c);
      const ref = skillRef(c);
      const body = await readBody(c, PublishBody);
      const current = await inTenant(c, auth, (tx) => findSkill(tx, ref));
      await assertCanChangeSkill(c.var.db, auth, current, 'publish versions of this skill');
      const embedding = await embedSkill(c.var.embeddings, { ...current, content: body.content });
      const version = await inTenant(c, auth, async (tx) => {
        const skill = await findSkill(tx, current.id, { forUpdate: true });
        return publishVersion(tx, auth, skill.id, body, embedding);
      });
      return c.json(version, 201);
    },
  );

  defineRoute(
    app,
    {
      method: 'get',
      path: '/skills/:ref/versions',
      tag: 'Versions',
      summary: 'A skill’s versions, newest first',
      response: z.object({ versions: z.array(Version) }),
    },
    async (c) => {
      const auth = await reader(c);
      const ref = skillRef(c);
      return c.json({
        versions: await inTenant(c, auth, async (tx) => listVersions(tx, (await findSkill(tx, ref)).id)),
      });
    },
  );

  defineRoute(
    app,
    {
      method: 'get',
      path: '/skills/:ref/versions/:version',
      tag: 'Versions',
      summary: 'One version with its content',
      response: Version.extend({ content: z.string() }),
    },
    async (c) => {
      const auth = await reader(c);
      const ref = skillRef(c);
      const number = Number(c.req.param('version'));
      if (!Number.isInteger(number) || number < 1 || number > 1_000_000)
        throw new AppError('NOT_FOUND', 'No such version.');
      return c.json(await inTenant(c, auth, async (tx) => getVersion(tx, (await findSkill(tx, ref)).id, number)));
    },
  );
}
