import { sql, type TenantTx } from '@skillhub/db';

/**
 * Ranked full-text search over name (weight A), description (B) and content
 * (C), using the GIN expression index. The row policy keeps it to the
 * tenant; no query here names a tenant.
 */
export async function searchSkills(tx: TenantTx, query: string, limit: number) {
  const result = await tx.execute<{
    id: string;
    slug: string;
    name: string;
    description: string;
    tags: string[];
    rank: number;
    headline: string;
  }>(sql`
    with q as (select websearch_to_tsquery('english', ${query}) as query)
    select s.id, s.slug, s.name, s.description, s.tags,
           ts_rank(skill_search_document(s.name, s.description, s.content), q.query) as rank,
           ts_headline('english', s.description || ' ' || left(s.content, 2000), q.query, 'MaxFragments=1,MaxWords=25,MinWords=8') as headline
    from skills s, q
    where skill_search_document(s.name, s.description, s.content) @@ q.query
    order by rank desc, s.id
    limit ${limit}`);
  return result.rows.map((row) => ({ ...row, rank: Number(row.rank) }));
}

/** Skills whose embeddings are closest (cosine) to `vector`, from the same model only. */
export async function similarSkills(
  tx: TenantTx,
  embedding: { model: string; vector: number[] },
  limit: number,
  excludeSkillId?: string,
) {
  const result = await tx.execute<{ id: string; slug: string; name: string; description: string; score: number }>(sql`
    select s.id, s.slug, s.name, s.description,
           (select sum(a * b) from unnest(e.embedding, ${`{${embedding.vector.join(',')}}`}::real[]) as v(a, b)) as score
    from skill_embeddings e join skills s on s.tenant_id = e.tenant_id and s.id = e.skill_id
    where e.model = ${embedding.model} and (${excludeSkillId ?? null}::uuid is null or s.id <> ${excludeSkillId ?? null}::uuid)
    order by score desc nulls last, s.id
    limit ${limit}`);
  return result.rows.map((row) => ({ ...row, score: Math.round(Number(row.score) * 1000) / 1000 }));
}
