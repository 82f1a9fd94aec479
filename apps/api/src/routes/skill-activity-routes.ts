import { type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env.ts';
import { AppError } from '../errors/app-error.ts';
import { inTenant, requireRole, requireUser } from '../middleware/guards.ts';
import { findSkill } from '../skills/find-skill.ts';
import { rateSkill, removeRating } from '../skills/ratings.ts';
import { getReview, saveReview } from '../skills/reviews.ts';
import { searchSkills, similarSkills } from '../skills/search-skills.ts';
import { embedSkill } from '../skills/skill-embedding.ts';
import { assertScope } from '../skills/skill-permissions.ts';
import { recordUsage, usageStats } from '../skills/usage.ts';
import { defineRoute, readBody, readQuery } from './openapi-route.ts';
import { reader } from './skill-routes.ts';
import { RatingBody, ReviewBody, SearchQuery, SimilarQuery, UsageBody, UsageQuery } from './skill-schemas.ts';

const RatingSummary = z.object({ count: z.number(), average: z.number().nullable() });
const Review = z
  .object({
    id: z.string(),
    skillId: z.string(),
    reviewerId: z.string().nullable(),
    status: z.string(),
    notes: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('SkillReview');
const dayMs = 86_400_000;

export function registerSkillActivityRoutes(app: OpenAPIHono<AppEnv>): void {
  defineRoute(
    app,
    {
      method: 'put',
      path: '/skills/:ref/rating',
      tag: 'Ratings',
      summary: 'Rate a skill 1–5 (creates or changes your rating)',
      body: RatingBody,
      response: z.object({ score: z.number(), rating: RatingSummary }),
    },
    async (c) => {
      const auth = requireUser(c);
      const ref = c.req.param('ref') ?? '';
      const { score } = await readBody(c, RatingBody);
      return c.json(
        await inTenant(c, auth, async (tx) => rateSkill(tx, (await findSkill(tx, ref)).id, auth.userId, score)),
      );
    },
  );

  defineRoute(
    app,
    {
      method: 'delete',
      path: '/skills/:ref/rating',
      tag: 'Ratings',
      summary: 'Remove your rating',
      response: z.object({ rating: RatingSummary }),
    },
    async (c) => {
      const auth = requireUser(c);
      const ref = c.req.param('ref') ?? '';
      return c.json(
        await inTenant(c, auth, async (tx) => removeRating(tx, (await findSkill(tx, ref)).id, auth.userId)),
      );
    },
  );

  defineRoute(
    app,
    {
      method: 'get',
      path: '/skills/:ref/review',
      tag: 'Reviews',
      summary: 'The skill’s quality review',
      response: Review,
    },
    async (c) => {
      const auth = await reader(c);
      const ref = c.req.param('ref') ?? '';
      return c.json(await inTenant(c, auth, async (tx) => getReview(tx, (await findSkill(tx, ref)).id)));
    },
  );

  defineRoute(
    app,
    {
      method: 'put',
      path: '/skills/:ref/review',
      tag: 'Reviews',
      summary: 'Create or update the skill’s review (admins)',
      body: ReviewBody,
      response: Review,
    },
    async (c) => {
      const auth = await requireRole(c, 'admin', 'review skills');
      const ref = c.req.param('ref') ?? '';
      const body = await readBody(c, ReviewBody);
      const { review, created } = await inTenant(c, auth, async (tx) =>
        saveReview(tx, (await findSkill(tx, ref)).id, auth.userId, body),
      );
      return c.json(review, created ? 201 : 200);
    },
  );

  defineRoute(
    app,
    {
      method: 'post',
      path: '/skills/:ref/usage',
      tag: 'Usage',
      summary: 'Record a use of the skill',
      body: UsageBody,
      response: z.object({ id: z.string(), occurredAt: z.string() }),
      status: 201,
    },
    async (c) => {
      const auth = await reader(c);
      await assertScope(c.var.db, auth, 'usage:write');
      const ref = c.req.param('ref') ?? '';
      const { source } = await readBody(c, UsageBody);
      return c.json(
        await inTenant(c, auth, async (tx) => recordUsage(tx, auth, (await findSkill(tx, ref)).id, source)),
        201,
      );
    },
  );

  defineRoute(
    app,
    {
      method: 'get',
      path: '/skills/:ref/usage',
      tag: 'Usage',
      summary: 'Uses of the skill per period',
      query: UsageQuery,
      response: z
        .object({ total: z.number(), buckets: z.array(z.object({ start: z.string(), uses: z.number() })) })
        .passthrough(),
    },
    async (c) => {
      const auth = await reader(c);
      const ref = c.req.param('ref') ?? '';
      const query = readQuery(c, UsageQuery);
      const to = query.to ? new Date(query.to) : new Date();
      const from = query.from ? new Date(query.from) : new Date(to.getTime() - 30 * dayMs);
      if (from >= to || to.getTime() - from.getTime() > 731 * dayMs) {
        throw new AppError('VALIDATION_FAILED', 'The usage range must run forwards and span at most two years.');
      }
      return c.json(
        await inTenant(c, auth, async (tx) => usageStats(tx, (await findSkill(tx, ref)).id, query.period, from, to)),
      );
    },
  );

  defineRoute(
    app,
    {
      method: 'get',
      path: '/search',
      tag: 'Search',
      summary: 'Ranked full-text search over skills',
      query: SearchQuery,
      response: z.object({
        results: z.array(
          z
            .object({ id: z.string(), slug: z.string(), name: z.string(), rank: z.number(), headline: z.string() })
            .passthrough(),
        ),
      }),
    },
    async (c) => {
      const auth = await reader(c);
      const { q, limit } = readQuery(c, SearchQuery);
      return c.json({ results: await inTenant(c, auth, (tx) => searchSkills(tx, q, limit)) });
    },
  );

  defineRoute(
    app,
    {
      method: 'get',
      path: '/search/similar',
      tag: 'Search',
      summary: 'Skills closest in meaning to a text',
      query: SearchQuery,
      response: z.object({
        results: z.array(z.object({ id: z.string(), slug: z.string(), score: z.number() }).passthrough()),
      }),
    },
    async (c) => {
      const auth = await reader(c);
      const { q, limit } = readQuery(c, SearchQuery);
      const embedding = await embedSkill(c.var.embeddings, { name: q, description: '', content: '' });
      return c.json({ results: await inTenant(c, auth, (tx) => similarSkills(tx, embedding, limit)) });
    },
  );

  defineRoute(
    app,
    {
      method: 'get',
      path: '/skills/:ref/similar',
      tag: 'Search',
      summary: 'Skills closest in meaning to this one',
      query: SimilarQuery,
      response: z.object({
        results: z.array(z.object({ id: z.string(), slug: z.string(), score: z.number() }).passthrough()),
      }),
    },
    async (c) => {
      const auth = await reader(c);
      const ref = c.req.param('ref') ?? '';
      const { limit } = readQuery(c, SimilarQuery);
      const skill = await inTenant(c, auth, (tx) => findSkill(tx, ref, { withContent: true }));
      const embedding = await embedSkill(c.var.embeddings, { ...skill, content: skill.content ?? '' });
      return c.json({ results: await inTenant(c, auth, (tx) => similarSkills(tx, embedding, limit, skill.id)) });
    },
  );
}
