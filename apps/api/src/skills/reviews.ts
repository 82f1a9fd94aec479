import { eq, recordAuditEvent, type reviewStatuses, skillReviews, sql, type TenantTx } from '@skillhub/db';
import { AppError } from '../errors/app-error.ts';

export type ReviewStatus = (typeof reviewStatuses)[number];

const reviewColumns = {
  id: skillReviews.id,
  skillId: skillReviews.skillId,
  reviewerId: skillReviews.reviewerId,
  status: skillReviews.status,
  notes: skillReviews.notes,
  createdAt: skillReviews.createdAt,
  updatedAt: skillReviews.updatedAt,
};

export async function getReview(tx: TenantTx, skillId: string) {
  const [review] = await tx.select(reviewColumns).from(skillReviews).where(eq(skillReviews.skillId, skillId));
  if (!review) throw new AppError('NOT_FOUND', 'This skill has no review yet.');
  return review;
}

/** Creates or updates the skill's one quality review. */
export async function saveReview(
  tx: TenantTx,
  skillId: string,
  reviewerId: string | null,
  input: { status: ReviewStatus; notes: string },
) {
  const [existing] = await tx
    .select({ id: skillReviews.id })
    .from(skillReviews)
    .where(eq(skillReviews.skillId, skillId));
  const [review] = existing
    ? await tx
        .update(skillReviews)
        .set({ ...input, reviewerId, updatedAt: sql`now()` })
        .where(eq(skillReviews.id, existing.id))
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
