import { and, eq, ratings, recordAuditEvent, skills, sql, type TenantTx } from '@skillhub/db';
import { AppError } from '../errors/app-error.ts';

/** Keeps the skill's rating count and sum in step with its ratings (same transaction). */
const refreshAggregate = (tx: TenantTx, skillId: string) =>
  tx
    .update(skills)
    .set({
      ratingCount: sql`(select count(*) from ratings where skill_id = ${skillId})`,
      ratingSum: sql`(select coalesce(sum(score), 0) from ratings where skill_id = ${skillId})`,
    })
    .where(eq(skills.id, skillId))
    .returning({ count: skills.ratingCount, sum: skills.ratingSum });

const summary = (row: { count: number; sum: number } | undefined) => ({
  count: row?.count ?? 0,
  average: row && row.count > 0 ? Math.round((row.sum / row.count) * 100) / 100 : null,
});

/**
 * Sets the user's 1–5 rating of a skill. One upsert, so two concurrent
 * first ratings by the same user cannot collide; `xmax = 0` tells a fresh
 * row from an updated one.
 */
export async function rateSkill(tx: TenantTx, skillId: string, userId: string, score: number) {
  const [row] = await tx
    .insert(ratings)
    .values({ skillId, userId, score })
    .onConflictDoUpdate({
      target: [ratings.tenantId, ratings.skillId, ratings.userId],
      set: { score, updatedAt: sql`now()` },
    })
    .returning({ id: ratings.id, created: sql<boolean>`(xmax = 0)` });
  if (row?.created) {
    await recordAuditEvent({
      action: 'rating.created',
      resourceType: 'rating',
      resourceId: row.id,
      metadata: { skillId, score },
    });
  }
  const [aggregate] = await refreshAggregate(tx, skillId);
  return { score, rating: summary(aggregate) };
}

/** Removes the user's own rating. */
export async function removeRating(tx: TenantTx, skillId: string, userId: string) {
  const removed = await tx
    .delete(ratings)
    .where(and(eq(ratings.skillId, skillId), eq(ratings.userId, userId)))
    .returning({ id: ratings.id });
  if (removed.length === 0) throw new AppError('NOT_FOUND', 'You have not rated this skill.');
  const [aggregate] = await refreshAggregate(tx, skillId);
  return { rating: summary(aggregate) };
}
