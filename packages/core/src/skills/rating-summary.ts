import { and, builtOnce, eq, ratings, sameTenantBound, skills, sql, type TenantTx } from '@skillhub/db';

/**
 * Keeps the skill's rating count and sum in step with its ratings (same
 * transaction). Both totals come from one read of the ratings: every read
 * of a table under row policies verifies the tenant context again, and two
 * sub-selects verified it twice as often. Built once per connection.
 */
const refresh = builtOnce((tx) => {
  const skillId = sql.placeholder('skillId');
  const totals = tx
    .select({
      count: sql<number>`count(*)`.as('count'),
      sum: sql<number>`coalesce(sum(${ratings.score}), 0)`.as('sum'),
    })
    .from(ratings)
    .where(and(sameTenantBound(ratings.tenantId), eq(ratings.skillId, skillId)))
    .as('totals');
  return tx
    .update(skills)
    .set({ ratingCount: sql`${totals.count}`, ratingSum: sql`${totals.sum}` })
    .from(totals)
    .where(and(sameTenantBound(skills.tenantId), eq(skills.id, skillId)))
    .returning({ count: skills.ratingCount, sum: skills.ratingSum });
});

export const refreshRatingSummary = (tx: TenantTx, skillId: string) => refresh(tx, { skillId });

export const ratingSummary = (row: { count: number; sum: number } | undefined) => ({
  count: row?.count ?? 0,
  average: row && row.count > 0 ? Math.round((row.sum / row.count) * 100) / 100 : null,
});
