import type { Database, PublicSkillSummary, RequestActor } from '@skillhub/db';

/**
 * One page of `workspace`'s public skills by slug, for a reader without
 * credentials; `nextAfter` continues it. An unknown workspace lists nothing.
 */
export async function listPublicSkills(
  db: Database,
  workspace: string,
  page: { after?: string | undefined; limit: number },
  origin: RequestActor,
): Promise<{ skills: PublicSkillSummary[]; nextAfter: string | null }> {
  // One more than asked, to know whether another page follows.
  const rows = await db.publicCatalog.list(workspace, { afterSlug: page.after ?? null, limit: page.limit + 1 }, origin);
  const skills = rows.slice(0, page.limit);
  return { skills, nextAfter: rows.length > page.limit ? (skills.at(-1)?.slug ?? null) : null };
}
