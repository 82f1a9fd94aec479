import { and, eq, sameTenant, skillReviews, type TenantTx } from '@skillhub/db';
import { AppError } from '../errors/app-error.ts';
import { findSkill } from './find-skill.ts';
import { reviewColumns } from './review-columns.ts';

/** The quality review of the skill `ref`, or NOT_FOUND when it has none. */
export async function getReview(tx: TenantTx, ref: string) {
  const skillId = (await findSkill(tx, ref)).id;
  const [review] = await tx
    .select(reviewColumns)
    .from(skillReviews)
    .where(and(sameTenant(skillReviews.tenantId), eq(skillReviews.skillId, skillId)));
  if (!review) throw new AppError('NOT_FOUND', 'This skill has no review yet.');
  return review;
}
