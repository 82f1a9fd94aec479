import { type Skill, skills } from '@skillhub/db';

/** Columns every skill response carries (content only where asked for). */
export const skillColumns = {
  id: skills.id,
  slug: skills.slug,
  name: skills.name,
  description: skills.description,
  tags: skills.tags,
  authorId: skills.authorId,
  visibility: skills.visibility,
  latestVersion: skills.latestVersion,
  ratingCount: skills.ratingCount,
  ratingSum: skills.ratingSum,
  createdAt: skills.createdAt,
  updatedAt: skills.updatedAt,
};

export type SkillRow = Pick<Skill, keyof typeof skillColumns> & { content?: string };

/** The API shape of a skill: the rating as an average and a count. */
export function toSkillView(row: SkillRow) {
  const { ratingSum, ratingCount, ...rest } = row;
  return {
    ...rest,
    rating: {
      count: ratingCount,
      average: ratingCount === 0 ? null : Math.round((ratingSum / ratingCount) * 100) / 100,
    },
  };
}
export type SkillView = ReturnType<typeof toSkillView>;
