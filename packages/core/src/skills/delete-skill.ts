import { and, eq, recordAuditEvent, sameTenant, skills, type TenantTx } from '@skillhub/db';
import type { RequestAuth } from '../auth/request-auth.ts';
import { assertCanChangeSkill } from '../authorization/can-change-skill.ts';
import { findSkill } from './find-skill.ts';

/**
 * Deletes a skill, as its author, an admin or a key with skills:write; its
 * versions, ratings, review, usage and embedding go with it (cascade).
 */
export async function deleteSkill(tx: TenantTx, auth: RequestAuth, ref: string): Promise<void> {
  const skill = await findSkill(tx, ref, { forUpdate: true });
  assertCanChangeSkill(auth, skill, 'delete this skill');
  await tx.delete(skills).where(and(sameTenant(skills.tenantId), eq(skills.id, skill.id)));
  await recordAuditEvent({
    action: 'skill.deleted',
    resourceType: 'skill',
    resourceId: skill.id,
    metadata: { slug: skill.slug },
  });
}
