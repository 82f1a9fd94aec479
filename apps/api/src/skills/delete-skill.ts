import { eq, recordAuditEvent, skills, type TenantTx } from '@skillhub/db';

/** Deletes a skill; its versions, ratings, review, usage and embedding go with it (cascade). */
export async function deleteSkill(tx: TenantTx, skill: { id: string; slug: string }) {
  await tx.delete(skills).where(eq(skills.id, skill.id));
  await recordAuditEvent({
    action: 'skill.deleted',
    resourceType: 'skill',
    resourceId: skill.id,
    metadata: { slug: skill.slug },
  });
}
