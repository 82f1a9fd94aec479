import { and, eq, ratings, sameTenant, type TenantTx } from '@skillhub/db';
import { AppError } from '../errors/app-error.ts';
import { findSkill } from './find-skill.ts';
import { ratingSummary, refreshRatingSummary } from './rating-summary.ts';

/** Removes the user's own rating. */
export async function removeRating(tx: TenantTx, ref: string, userId: string) {
  const skillId = (await findSkill(tx, ref)).id;
  const removed = await tx
    .delete(ratings)
    .where(and(sameTenant(ratings.tenantId), eq(ratings.skillId, skillId), eq(ratings.userId, userId)))
    .returning({ id: ratings.id });
  if (removed.length === 0) throw new AppError('NOT_FOUND', 'You have not rated this skill.');
  const [aggregate] = await refreshRatingSummary(tx, skillId);
  return { rating: ratingSummary(aggregate) };
}
