import { eq, skills, sql, type TenantTx } from '@skillhub/db';

/** Keeps the skill's rating count and sum in step with its ratings (same transaction). */
export const refreshRatingSummary = (tx: TenantTx, skillId: string) =>
  tx
    .update(skills)
    .set({
      ratingCount: sql`(select count(*) from ratings where skill_id = ${skillId})`,
      ratingSum: sql`(select coalesce(sum(score), 0) from ratings where skill_id = ${skillId})`,
    })
    .where(eq(skills.id, skillId))
    .returning({ count: skills.ratingCount, sum: skills.ratingSum });

export const ratingSummary = (row: { count: number; sum: number } | undefined) => ({
  count: row?.count ?? 0,
  average: row && row.count > 0 ? Math.round((row.sum / row.count) * 100) / 100 : null,
});
