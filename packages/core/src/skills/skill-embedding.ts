import type { EmbeddingProvider } from '../embeddings/embedding-provider.ts';

/** The text a skill is embedded from: what a person would compare. */
export async function embedSkill(
  provider: EmbeddingProvider,
  skill: { name: string; description: string; content: string },
): Promise<{ model: string; vector: number[] }> {
  const [vector] = await provider.embed([`${skill.name}\n${skill.description}\n${skill.content.slice(0, 20_000)}`]);
  return { model: provider.model, vector: vector ?? [] };
}
