import { sameTenant, sql, type TenantTx } from '@skillhub/db';

/** Skills whose embeddings are closest (cosine) to `vector`, from the same model only. */
export async function findSimilarSkills(
  tx: TenantTx,
  embedding: { model: string; vector: number[] },
  limit: number,
  excludeSkillId?: string,
) {
  const result = await tx.execute<{ id: string; slug: string; name: string; description: string; score: number }>(sql`
    select s.id, s.slug, s.name, s.description,
           (select sum(a * b) from unnest(e.embedding, ${`{${embedding.vector.join(',')}}`}::real[]) as v(a, b)) as score
    from skill_embeddings e join skills s on s.tenant_id = e.tenant_id and s.id = e.skill_id
    where ${sameTenant('e')} and ${sameTenant('s')} and e.model = ${embedding.model} and (${excludeSkillId ?? null}::uuid is null or s.id <> ${excludeSkillId ?? null}::uuid)
    order by score desc nulls last, s.id
    limit ${limit}`);
  return result.rows.map((row) => ({ ...row, score: Math.round(Number(row.score) * 1000) / 1000 }));
}
