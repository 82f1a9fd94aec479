import type { Database } from '@skillhub/db';
import type { RequestAuth } from '../auth/request-auth.ts';
import { assertCanChangeSkill } from '../authorization/can-change-skill.ts';
import type { EmbeddingProvider } from '../embeddings/embedding-provider.ts';
import { findSkill } from './find-skill.ts';
import { publishVersion } from './publish-version.ts';
import { embedSkill } from './skill-embedding.ts';

/**
 * Publishes new content of the skill `ref` as its next version, as its
 * author, an admin or a key with skills:write. The embedding is computed
 * between two transactions, so no network call holds a connection or a lock.
 */
export async function publishSkillVersion(
  db: Database,
  embeddings: EmbeddingProvider,
  auth: RequestAuth,
  ref: string,
  input: { content: string; changelog: string },
) {
  const current = await db.withTenant(auth.tenantId, auth.actor, (tx) => findSkill(tx, ref));
  assertCanChangeSkill(auth, current, 'publish versions of this skill');
  const embedding = await embedSkill(embeddings, { ...current, content: input.content });
  return db.withTenant(auth.tenantId, auth.actor, async (tx) => {
    const skill = await findSkill(tx, current.id, { forUpdate: true });
    assertCanChangeSkill(auth, skill, 'publish versions of this skill');
    return publishVersion(tx, auth, skill.id, input, embedding);
  });
}
