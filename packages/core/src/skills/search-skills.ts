import { sameTenant, sql, type TenantTx } from '@skillhub/db';

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
    where ${sameTenant('s')} and skill_search_document(s.name, s.description, s.content) @@ q.query
    order by rank desc, s.id
    limit ${limit}`);
  return result.rows.map((row) => ({ ...row, rank: Number(row.rank) }));
}
