import {
  and,
  eq,
  recordAuditEvent,
  sameTenant,
  skillEmbeddings,
  skills,
  skillVersions,
  sql,
  type TenantTx,
} from '@skillhub/db';
import type { RequestAuth } from '../auth/request-auth.ts';

/**
 * Publishes new content as the next immutable version and points the skill
 * at it. The skill row is locked so concurrent publishers get consecutive
 * numbers. The embedding (computed before the transaction, so no network
 * call happens inside it) is refreshed in the same transaction.
 */
export async function publishVersion(
  tx: TenantTx,
  auth: RequestAuth,
  skillId: string,
  input: { content: string; changelog: string },
  embedding: { model: string; vector: number[] } | null,
) {
  const [skill] = await tx
    .select({ latestVersion: skills.latestVersion })
    .from(skills)
    .where(and(sameTenant(skills.tenantId), eq(skills.id, skillId)))
    .for('update');
  const version = (skill?.latestVersion ?? 0) + 1;
  const [created] = await tx
    .insert(skillVersions)
    .values({ skillId, version, content: input.content, changelog: input.changelog, createdBy: auth.userId })
    .returning();
  await tx
    .update(skills)
    .set({ content: input.content, latestVersion: version, updatedAt: sql`now()` })
    .where(and(sameTenant(skills.tenantId), eq(skills.id, skillId)));
  if (embedding) {
    await tx
      .insert(skillEmbeddings)
      .values({ skillId, model: embedding.model, embedding: embedding.vector })
      .onConflictDoUpdate({
        target: [skillEmbeddings.tenantId, skillEmbeddings.skillId],
        set: { model: embedding.model, embedding: embedding.vector, updatedAt: sql`excluded.updated_at` },
      });
  }
  await recordAuditEvent({
    action: 'skill.version_published',
    resourceType: 'skill',
    resourceId: skillId,
    metadata: { version },
  });
  return created;
}
