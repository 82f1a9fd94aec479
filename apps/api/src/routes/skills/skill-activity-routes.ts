import { type OpenAPIHono, z } from '@hono/zod-openapi';
import {
  findSkillsSimilarTo,
  findSkillsSimilarToText,
  getReview,
  getUsageStats,
  rateSkill,
  recordUsage,
  removeRating,
  saveReview,
  searchSkills,
} from '@skillhub/core';
import type { AppEnv } from '../../app-env.ts';
import { defineRoute, json, jsonBody } from '../../openapi/define-route.ts';
import { adminGuard, userGuard } from '../../openapi/route-guards.ts';
import { inTenant } from '../in-tenant.ts';
import { skillReader, usageWriter } from './skill-access.ts';
import {
  RatingBody,
  ReviewBody,
  SearchQuery,
  SimilarQuery,
  SkillRefParam,
  UsageBody,
  UsageQuery,
} from './skill-schemas.ts';

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
const SimilarResults = z.object({
  results: z.array(z.object({ id: z.string(), slug: z.string(), score: z.number() }).passthrough()),
});

const rate = defineRoute({
  method: 'put',
  path: '/skills/{ref}/rating',
  tags: ['Ratings'],
  summary: 'Rate a skill 1–5 (creates or changes your rating)',
  middleware: [userGuard] as const,
  request: { params: SkillRefParam, body: jsonBody(RatingBody) },
  responses: { 200: json(z.object({ score: z.number(), rating: RatingSummary }), 'Your rating and the summary') },
});

const unrate = defineRoute({
  method: 'delete',
  path: '/skills/{ref}/rating',
  tags: ['Ratings'],
  summary: 'Remove your rating',
  middleware: [userGuard] as const,
  request: { params: SkillRefParam },
  responses: { 200: json(z.object({ rating: RatingSummary }), 'The summary without your rating') },
});

const readReview = defineRoute({
  method: 'get',
  path: '/skills/{ref}/review',
  tags: ['Reviews'],
  summary: 'The skill’s quality review',
  middleware: [skillReader] as const,
  request: { params: SkillRefParam },
  responses: { 200: json(Review, 'The review') },
});

const writeReview = defineRoute({
  method: 'put',
  path: '/skills/{ref}/review',
  tags: ['Reviews'],
  summary: 'Create or update the skill’s review (admins)',
  middleware: [adminGuard('review skills')] as const,
  request: { params: SkillRefParam, body: jsonBody(ReviewBody) },
  responses: { 200: json(Review, 'The updated review'), 201: json(Review, 'The new review') },
});

const useSkill = defineRoute({
  method: 'post',
  path: '/skills/{ref}/usage',
  tags: ['Usage'],
  summary: 'Record a use of the skill',
  middleware: [usageWriter] as const,
  request: { params: SkillRefParam, body: jsonBody(UsageBody) },
  responses: { 201: json(z.object({ id: z.string(), occurredAt: z.string() }), 'The recorded use') },
});

const usage = defineRoute({
  method: 'get',
  path: '/skills/{ref}/usage',
  tags: ['Usage'],
  summary: 'Uses of the skill per period',
  middleware: [skillReader] as const,
  request: { params: SkillRefParam, query: UsageQuery },
  responses: {
    200: json(
      z
        .object({ total: z.number(), buckets: z.array(z.object({ start: z.string(), uses: z.number() })) })
        .passthrough(),
      'Uses per period',
    ),
  },
});

const search = defineRoute({
  method: 'get',
  path: '/search',
  tags: ['Search'],
  summary: 'Ranked full-text search over skills',
  middleware: [skillReader] as const,
  request: { query: SearchQuery },
  responses: {
    200: json(
      z.object({
        results: z.array(
          z.object({
            id: z.string(),
            slug: z.string(),
            name: z.string(),
            description: z.string(),
            tags: z.array(z.string()),
            rank: z.number(),
            headline: z.string(),
          }),
        ),
      }),
      'Matches, best first',
    ),
  },
});

const similarToText = defineRoute({
  method: 'get',
  path: '/search/similar',
  tags: ['Search'],
  summary: 'Skills closest in meaning to a text',
  middleware: [skillReader] as const,
  request: { query: SearchQuery },
  responses: { 200: json(SimilarResults, 'Closest first') },
});

const similarToSkill = defineRoute({
  method: 'get',
  path: '/skills/{ref}/similar',
  tags: ['Search'],
  summary: 'Skills closest in meaning to this one',
  middleware: [skillReader] as const,
  request: { params: SkillRefParam, query: SimilarQuery },
  responses: { 200: json(SimilarResults, 'Closest first') },
});

export function registerSkillActivityRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(rate, async (c) => {
    const auth = c.get('caller');
    const { ref } = c.req.valid('param');
    const { score } = c.req.valid('json');
    return c.json(await inTenant(c, auth, (tx) => rateSkill(tx, ref, auth.userId, score)), 200);
  });

  app.openapi(unrate, async (c) => {
    const auth = c.get('caller');
    const { ref } = c.req.valid('param');
    return c.json(await inTenant(c, auth, (tx) => removeRating(tx, ref, auth.userId)), 200);
  });

  app.openapi(readReview, async (c) => {
    const { ref } = c.req.valid('param');
    return c.json(await inTenant(c, c.get('caller'), (tx) => getReview(tx, ref)), 200);
  });

  app.openapi(writeReview, async (c) => {
    const auth = c.get('caller');
    const { ref } = c.req.valid('param');
    const body = c.req.valid('json');
    const { review, created } = await inTenant(c, auth, (tx) => saveReview(tx, ref, auth.userId, body));
    return created ? c.json(review, 201) : c.json(review, 200);
  });

  app.openapi(useSkill, async (c) => {
    const auth = c.get('caller');
    const { ref } = c.req.valid('param');
    const { source } = c.req.valid('json');
    return c.json(await inTenant(c, auth, (tx) => recordUsage(tx, auth, ref, source)), 201);
  });

  app.openapi(usage, async (c) => {
    const { ref } = c.req.valid('param');
    const { period, from, to } = c.req.valid('query');
    const input = { period, from: from ? new Date(from) : undefined, to: to ? new Date(to) : undefined };
    return c.json(await inTenant(c, c.get('caller'), (tx) => getUsageStats(tx, ref, input)), 200);
  });

  app.openapi(search, async (c) => {
    const { q, limit } = c.req.valid('query');
    return c.json({ results: await inTenant(c, c.get('caller'), (tx) => searchSkills(tx, q, limit)) }, 200);
  });

  app.openapi(similarToText, async (c) => {
    const { q, limit } = c.req.valid('query');
    const results = await findSkillsSimilarToText(c.get('db'), c.get('embeddings'), c.get('caller'), q, limit);
    return c.json({ results }, 200);
  });

  app.openapi(similarToSkill, async (c) => {
    const { ref } = c.req.valid('param');
    const { limit } = c.req.valid('query');
    const results = await findSkillsSimilarTo(c.get('db'), c.get('embeddings'), c.get('caller'), ref, limit);
    return c.json({ results }, 200);
  });
}
