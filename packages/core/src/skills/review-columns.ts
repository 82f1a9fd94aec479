import { type reviewStatuses, skillReviews } from '@skillhub/db';

export type ReviewStatus = (typeof reviewStatuses)[number];

export const reviewColumns = {
  id: skillReviews.id,
  skillId: skillReviews.skillId,
  reviewerId: skillReviews.reviewerId,
  status: skillReviews.status,
  notes: skillReviews.notes,
  createdAt: skillReviews.createdAt,
  updatedAt: skillReviews.updatedAt,
};
