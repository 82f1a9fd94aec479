import { z } from '@hono/zod-openapi';
import { skillSorts, usagePeriods } from '@skillhub/core';
import { reviewStatuses, visibilities } from '@skillhub/db';
import { IsoTime } from '../../openapi/iso-time.ts';

/** Largest skill content accepted, in characters. */
export const maxContentLength = 100_000;

export const Slug = z
  .string()
  .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'lower-case letters, digits and single hyphens')
  .max(100);
const Tag = z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'lower-case tags up to 40 characters');

export const CreateSkillBody = z
  .strictObject({
    slug: Slug,
    name: z.string().trim().min(1).max(200),
    description: z.string().max(2_000).default(''),
    tags: z.array(Tag).max(20).default([]),
    visibility: z.enum(visibilities).optional(),
    content: z.string().min(1).max(maxContentLength).optional(),
    changelog: z.string().max(2_000).optional(),
  })
  .openapi('CreateSkill', {
    example: {
      slug: 'release-notes-writer',
      name: 'Release notes writer',
      description: 'Turns merged work into readable release notes.',
      tags: ['writing', 'release'],
      visibility: 'internal',
      content: 'Summarise the merged pull requests into release notes, grouped by area, in plain words.',
      changelog: 'First version',
    },
  });

export const UpdateSkillBody = z
  .strictObject({
    slug: Slug.optional(),
    name: z.string().trim().min(1).max(200).optional(),
    description: z.string().max(2_000).optional(),
    tags: z.array(Tag).max(20).optional(),
    visibility: z.enum(visibilities).optional(),
  })
  .openapi('UpdateSkill');

export const PublishBody = z
  .strictObject({ content: z.string().min(1).max(maxContentLength), changelog: z.string().max(2_000).default('') })
  .openapi('PublishVersion');

export const MergeBody = z
  .strictObject({ source: z.string().min(1).max(100), target: z.string().min(1).max(100) })
  .openapi('MergeSkills');

export const RatingBody = z.strictObject({ score: z.number().int().min(1).max(5) }).openapi('Rating');
export const ReviewBody = z
  .strictObject({ status: z.enum(reviewStatuses), notes: z.string().max(10_000).default('') })
  .openapi('Review');
export const UsageBody = z
  .strictObject({
    source: z
      .string()
      .regex(/^[a-z0-9_-]{1,40}$/)
      .default('api'),
  })
  .openapi('Usage');

export const ListQuery = z.strictObject({
  tag: Tag.optional(),
  author: z.uuid().optional(),
  minRating: z.coerce.number().min(1).max(5).optional(),
  sort: z.enum(skillSorts).default('updated'),
  order: z.enum(['asc', 'desc']).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(300).optional(),
});
export const UsageQuery = z.strictObject({
  period: z.enum(usagePeriods).default('day'),
  from: IsoTime.optional(),
  to: IsoTime.optional(),
});
export const SearchQuery = z.strictObject({
  q: z.string().trim().min(1).max(200),
  limit: z.coerce.number().int().min(1).max(50).default(10),
});
export const SimilarQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(50).default(5) });

export const Skill = z
  .object({
    id: z.string(),
    slug: z.string(),
    name: z.string(),
    description: z.string(),
    tags: z.array(z.string()),
    authorId: z.string().nullable(),
    visibility: z.enum(visibilities),
    latestVersion: z.number(),
    rating: z.object({ count: z.number(), average: z.number().nullable() }),
    content: z.string().optional(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Skill', {
    example: {
      id: '0b6f3c1e-5d2a-4c8e-9f41-7a2d9e6b1c30',
      slug: 'release-notes-writer',
      name: 'Release notes writer',
      description: 'Turns merged work into readable release notes.',
      tags: ['writing', 'release'],
      authorId: '7d4e2a90-1b3c-4f5d-8e6a-9c0b1d2e3f41',
      visibility: 'internal',
      latestVersion: 2,
      rating: { count: 3, average: 4.3 },
      content: 'Summarise the merged pull requests into release notes, grouped by area, in plain words.',
      createdAt: '2026-01-12T09:30:00.000Z',
      updatedAt: '2026-02-03T16:05:12.000Z',
    },
  });

export const SkillRefParam = z.object({
  ref: z.string().openapi({ param: { name: 'ref', in: 'path' }, description: 'The skill’s id or slug' }),
});

export const SkillVersion = z
  .object({
    id: z.string(),
    version: z.number(),
    changelog: z.string(),
    createdBy: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi('SkillVersion');
export const SkillVersionWithContent = SkillVersion.extend({ content: z.string() }).openapi('SkillVersionWithContent');
