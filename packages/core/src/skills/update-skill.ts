import { and, eq, recordAuditEvent, sameTenant, skills, sql, type TenantTx } from '@skillhub/db';
import type { RequestAuth } from '../auth/request-auth.ts';
import { assertCanChangeSkill } from '../authorization/can-change-skill.ts';
import { AppError } from '../errors/app-error.ts';
import { isUniqueViolation } from '../errors/database-errors.ts';
import { findSkill } from './find-skill.ts';
import { skillColumns, toSkillView } from './skill-view.ts';

export interface UpdateSkillInput {
  slug?: string | undefined;
  name?: string | undefined;
  description?: string | undefined;
  tags?: string[] | undefined;
  visibility?: 'private' | 'internal' | 'public' | undefined;
}

/**
 * Changes a skill's metadata (content changes go through publishVersion),
 * as its author, an admin or a key with skills:write. The row is locked
 * before the permission check, so the check sees the author who owns it now.
 */
export async function updateSkill(tx: TenantTx, auth: RequestAuth, ref: string, input: UpdateSkillInput) {
  const skill = await findSkill(tx, ref, { forUpdate: true });
  assertCanChangeSkill(auth, skill, 'change this skill');
  const skillId = skill.id;
  const changes = Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined));
  if (Object.keys(changes).length === 0) throw new AppError('VALIDATION_FAILED', 'Nothing to change.');
  try {
    const [updated] = await tx
      .update(skills)
      .set({ ...changes, updatedAt: sql`now()` })
      .where(and(sameTenant(skills.tenantId), eq(skills.id, skillId)))
      .returning(skillColumns);
    if (!updated) throw new AppError('NOT_FOUND', 'No such skill.');
    await recordAuditEvent({
      action: 'skill.updated',
      resourceType: 'skill',
      resourceId: skillId,
      metadata: { fields: Object.keys(changes) },
    });
    return toSkillView(updated);
  } catch (error) {
    if (isUniqueViolation(error)) throw new AppError('CONFLICT', `A skill with slug "${input.slug}" already exists.`);
    throw error;
  }
}
