import {
  and,
  eq,
  ratings,
  recordAuditEvent,
  sameTenant,
  skillEmbeddings,
  skillReviews,
  skills,
  skillVersions,
  sql,
  type TenantTx,
  usageEvents,
} from '@skillhub/db';
import { AppError } from '../errors/app-error.ts';
import { findSkill } from './find-skill.ts';
import { toSkillView } from './skill-view.ts';

/**
 * Merges a duplicate skill into a target in one transaction: versions are
 * renumbered after the target's and the target's own content is then
 * republished as the newest version (history grows, the content readers see
 * stays the target's), ratings move unless the same user already
 * rated the target (the target's rating wins), the duplicate's review moves
 * only if the target has none, usage moves, and the duplicate is deleted.
 * Recorded as one admin action, alongside the row changes it causes.
 */
export async function mergeSkills(tx: TenantTx, sourceRef: string, targetRef: string) {
  const source = await findSkill(tx, sourceRef, { forUpdate: true });
  const target = await findSkill(tx, targetRef, { forUpdate: true, withContent: true });
  if (source.id === target.id) throw new AppError('VALIDATION_FAILED', 'A skill cannot be merged into itself.');

  const offset = target.latestVersion;
  const movedVersions = await tx
    .update(skillVersions)
    .set({ skillId: target.id, version: sql`${skillVersions.version} + ${offset}` })
    .where(and(sameTenant(skillVersions.tenantId), eq(skillVersions.skillId, source.id)))
    .returning({ id: skillVersions.id });

  await tx.execute(sql`delete from ratings s using ratings t
    where ${sameTenant('s')} and ${sameTenant('t')} and s.skill_id = ${source.id} and t.skill_id = ${target.id} and t.user_id = s.user_id`);
  const movedRatings = await tx
    .update(ratings)
    .set({ skillId: target.id })
    .where(and(sameTenant(ratings.tenantId), eq(ratings.skillId, source.id)))
    .returning({ id: ratings.id });

  const [targetReview] = await tx
    .select({ id: skillReviews.id })
    .from(skillReviews)
    .where(and(sameTenant(skillReviews.tenantId), eq(skillReviews.skillId, target.id)));
  if (targetReview)
    await tx.delete(skillReviews).where(and(sameTenant(skillReviews.tenantId), eq(skillReviews.skillId, source.id)));
  else
    await tx
      .update(skillReviews)
      .set({ skillId: target.id })
      .where(and(sameTenant(skillReviews.tenantId), eq(skillReviews.skillId, source.id)));

  const movedUsage = await tx
    .update(usageEvents)
    .set({ skillId: target.id })
    .where(and(sameTenant(usageEvents.tenantId), eq(usageEvents.skillId, source.id)))
    .returning({ id: usageEvents.id });
  await tx
    .delete(skillEmbeddings)
    .where(and(sameTenant(skillEmbeddings.tenantId), eq(skillEmbeddings.skillId, source.id)));
  await tx.delete(skills).where(and(sameTenant(skills.tenantId), eq(skills.id, source.id)));

  const latestVersion = offset + source.latestVersion + 1;
  await tx.insert(skillVersions).values({
    skillId: target.id,
    version: latestVersion,
    content: target.content ?? '',
    changelog: `Merged "${source.slug}" into this skill; its versions are ${offset + 1}–${latestVersion - 1}.`,
  });
  const [merged] = await tx
    .update(skills)
    .set({
      latestVersion,
      ratingCount: sql`(select count(*) from ratings where ${sameTenant('ratings')} and skill_id = ${target.id})`,
      ratingSum: sql`(select coalesce(sum(score), 0) from ratings where ${sameTenant('ratings')} and skill_id = ${target.id})`,
      tags: [...new Set([...target.tags, ...source.tags])].sort(),
      updatedAt: sql`now()`,
    })
    .where(and(sameTenant(skills.tenantId), eq(skills.id, target.id)))
    .returning();
  if (!merged) throw new Error('target vanished during merge');
  const moved = { versions: movedVersions.length, ratings: movedRatings.length, usageEvents: movedUsage.length };
  await recordAuditEvent({
    action: 'skill.merged',
    resourceType: 'skill',
    resourceId: target.id,
    metadata: { source: { id: source.id, slug: source.slug }, moved },
  });
  const { content: _content, tenantId: _tenant, ...view } = merged;
  return { skill: toSkillView(view), moved };
}
