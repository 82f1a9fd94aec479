import type { Database } from '@skillhub/db';
import type { RequestAuth } from '../auth/request-auth.ts';
import type { EmbeddingProvider } from '../embeddings/embedding-provider.ts';
import { findSimilarSkills } from './find-similar-skills.ts';
import { findSkill } from './find-skill.ts';
import { embedSkill } from './skill-embedding.ts';

/**
 * Skills closest in meaning to the skill `ref`, itself left out. The
 * embedding is computed between two transactions, never inside one.
 */
export async function findSkillsSimilarTo(
  db: Database,
  embeddings: EmbeddingProvider,
  auth: RequestAuth,
  ref: string,
  limit: number,
) {
  const skill = await db.withTenant(auth.tenantId, auth.actor, (tx) => findSkill(tx, ref, { withContent: true }));
  const embedding = await embedSkill(embeddings, { ...skill, content: skill.content ?? '' });
  return db.withTenant(auth.tenantId, auth.actor, (tx) => findSimilarSkills(tx, embedding, limit, skill.id));
}

/** Skills closest in meaning to a text. */
export async function findSkillsSimilarToText(
  db: Database,
  embeddings: EmbeddingProvider,
  auth: RequestAuth,
  text: string,
  limit: number,
) {
  const embedding = await embedSkill(embeddings, { name: text, description: '', content: '' });
  return db.withTenant(auth.tenantId, auth.actor, (tx) => findSimilarSkills(tx, embedding, limit));
}
