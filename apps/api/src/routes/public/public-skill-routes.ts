import { type OpenAPIHono, z } from '@hono/zod-openapi';
import { listPublicSkills, readPublicSkill } from '@skillhub/core';
import type { RequestActor } from '@skillhub/db';
import type { Context } from 'hono';
import type { AppEnv } from '../../app-env.ts';
import { defineRoute, json } from '../../openapi/define-route.ts';
import { Slug } from '../skills/skill-schemas.ts';

const PublicSkillSummary = z
  .object({
    slug: z.string(),
    name: z.string(),
    description: z.string(),
    tags: z.array(z.string()),
    latestVersion: z.number().int(),
    updatedAt: z.string(),
  })
  .openapi('PublicSkillSummary');

const PublicSkill = PublicSkillSummary.extend({ content: z.string() }).openapi('PublicSkill');

const WorkspaceParam = z.object({
  workspace: Slug.openapi({ param: { name: 'workspace', in: 'path' }, description: 'The workspace’s slug' }),
});

const door =
  'Read-only and without credentials, through a recorded door: each read is tallied in the workspace’s audit trail ' +
  '(data_export, reason public_read: the 1st, 10th, 100th… of five minutes become events).';

const list = defineRoute({
  method: 'get',
  path: '/public/{workspace}/skills',
  tags: ['Public'],
  summary: 'A workspace’s public skills, by slug (no credentials)',
  description: `${door} An unknown workspace lists nothing, like one that publishes nothing.`,
  public: true,
  request: {
    params: WorkspaceParam,
    query: z.strictObject({
      after: Slug.optional().openapi({ description: 'The last slug of the previous page (`nextAfter`)' }),
      limit: z.coerce.number().int().min(1).max(100).default(50),
    }),
  },
  responses: {
    200: json(z.object({ skills: z.array(PublicSkillSummary), nextAfter: z.string().nullable() }), 'One page'),
  },
});

const read = defineRoute({
  method: 'get',
  path: '/public/{workspace}/skills/{slug}',
  tags: ['Public'],
  summary: 'One public skill with its content (no credentials)',
  description: `${door} An unknown workspace, a skill that is not public and a missing one are the same 404.`,
  public: true,
  request: { params: WorkspaceParam.extend({ slug: Slug.openapi({ param: { name: 'slug', in: 'path' } }) }) },
  responses: { 200: json(PublicSkill, 'The skill') },
});

/** Who reads: nobody in particular, named by the request for the door's records. */
const anonymous = (c: Context<AppEnv>): RequestActor => ({
  actorType: 'system',
  actorId: 'public',
  requestId: c.get('requestId'),
  ip: c.get('clientIp'),
});

const shaped = <S extends { updatedAt: Date }>(skill: S) => ({ ...skill, updatedAt: skill.updatedAt.toISOString() });

/** The public catalog: `/public/{workspace}/skills[/{slug}]`, for anyone, read-only. */
export function registerPublicSkillRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(list, async (c) => {
    const { workspace } = c.req.valid('param');
    const page = await listPublicSkills(c.get('db'), workspace, c.req.valid('query'), anonymous(c));
    return c.json({ skills: page.skills.map(shaped), nextAfter: page.nextAfter }, 200);
  });

  app.openapi(read, async (c) => {
    const { workspace, slug } = c.req.valid('param');
    return c.json(shaped(await readPublicSkill(c.get('db'), workspace, slug, anonymous(c))), 200);
  });
}
