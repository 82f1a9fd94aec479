import { and, eq, recordAuditEvent, sameTenant, skillReviews, sql, type TenantTx } from '@skillhub/db';
import { findSkill } from './find-skill.ts';
import { type ReviewStatus, reviewColumns } from './review-columns.ts';

/** Creates or updates the skill's one quality review. */
export async function saveReview(
  tx: TenantTx,
  ref: string,
  reviewerId: string | null,
  input: { status: ReviewStatus; notes: string },
) {
  const skillId = (await findSkill(tx, ref)).id;
  const [existing] = await tx
    .select({ id: skillReviews.id })
    .from(skillReviews)
    .where(and(sameTenant(skillReviews.tenantId), eq(skillReviews.skillId, skillId)));
  const [review] = existing
    ? await tx
        .update(skillReviews)
        .set({ ...input, reviewerId, updatedAt: sql`now()` })
        .where(and(sameTenant(skillReviews.tenantId), eq(skillReviews.id, existing.id)))
        .returning(reviewColumns)
    : await tx
        .insert(skillReviews)
        .values({ skillId, reviewerId, ...input })
        .returning(reviewColumns);
  if (!review) throw new Error('review write returned nothing');
  await recordAuditEvent({
    action: existing ? 'review.updated' : 'review.created',
    resourceType: 'review',
    resourceId: review.id,
    metadata: { skillId, status: input.status },
  });
  return { review, created: !existing };
}
