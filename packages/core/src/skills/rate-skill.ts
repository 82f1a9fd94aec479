import { builtOnce, ratings, recordAuditEvent, sql, type TenantTx } from '@skillhub/db';
import { findSkill } from './find-skill.ts';
import { ratingSummary, refreshRatingSummary } from './rating-summary.ts';

/** The rating's upsert, built once per connection. */
const upsertRating = builtOnce((tx) =>
  tx
    .insert(ratings)
    .values({ skillId: sql.placeholder('skillId'), userId: sql.placeholder('userId'), score: sql.placeholder('score') })
    .onConflictDoUpdate({
      target: [ratings.tenantId, ratings.skillId, ratings.userId],
      set: { score: sql`excluded.score`, updatedAt: sql`excluded.updated_at` },
    })
    .returning({ id: ratings.id, created: sql<boolean>`(xmax = 0)` }),
);

/**
 * Sets the user's 1–5 rating of a skill. One upsert, so two concurrent
 * first ratings by the same user cannot collide; `xmax = 0` tells a fresh
 * row from an updated one.
 */
export async function rateSkill(tx: TenantTx, ref: string, userId: string, score: number) {
  const skillId = (await findSkill(tx, ref)).id;
  const [row] = await upsertRating(tx, { skillId, userId, score });
  if (row?.created) {
    await recordAuditEvent({
      action: 'rating.created',
      resourceType: 'rating',
      resourceId: row.id,
      metadata: { skillId, score },
    });
  }
  const [aggregate] = await refreshRatingSummary(tx, skillId);
  return { score, rating: ratingSummary(aggregate) };
}
