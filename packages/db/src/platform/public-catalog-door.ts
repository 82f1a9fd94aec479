import { sql } from 'drizzle-orm';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import type * as schema from '../schema/index.ts';
import type { RequestActor } from '../tenant-context/actor.ts';
import { withActorSettings } from './actor-settings.ts';

/** What anyone may read of a public skill: no id, author, ratings or tenant. */
export interface PublicSkillSummary {
  slug: string;
  name: string;
  description: string;
  tags: string[];
  latestVersion: number;
  updatedAt: Date;
}

export interface PublicSkill extends PublicSkillSummary {
  content: string;
}

type SummaryRow = {
  slug: string;
  name: string;
  description: string;
  tags: string[];
  latest_version: number;
  updated_at: string | Date;
};

const toSummary = (row: SummaryRow): PublicSkillSummary => ({
  slug: row.slug,
  name: row.name,
  description: row.description,
  tags: row.tags,
  latestVersion: row.latest_version,
  updatedAt: new Date(row.updated_at),
});

/**
 * The read-only door to a workspace's public skills, for callers without
 * credentials. Each method calls one SECURITY DEFINER function (migration
 * 0024) that resolves the workspace from its slug itself, returns only
 * public skills of an active workspace and only their public fields, and
 * records the read in that workspace's chain, tallied per five minutes so
 * anonymous traffic cannot flood it. `origin` names the request (a system
 * actor, its request id and IP) for those records.
 */
export class PublicCatalogDoor {
  readonly #db: NodePgDatabase<typeof schema>;

  constructor(db: NodePgDatabase<typeof schema>) {
    this.#db = db;
  }

  /**
   * The public skill `slug` of `workspace`, or null. Null is the one answer
   * for an unknown workspace, a skill that is not public and no skill at all,
   * found by the same single query, so neither the answer nor its time tells them apart.
   */
  async skill(workspace: string, slug: string, origin: RequestActor): Promise<PublicSkill | null> {
    const result = await this.#db.execute<SummaryRow & { content: string }>(
      withActorSettings(
        origin,
        (after) => sql`platform.public_skill(case when ${after} then ${workspace}::text end, ${slug}::text)`,
      ),
    );
    const row = result.rows[0];
    return row ? { ...toSummary(row), content: row.content } : null;
  }

  /**
   * Up to `limit` (1–100) public skills of `workspace` by slug, after
   * `afterSlug`. An unknown workspace lists nothing, like one that
   * publishes nothing.
   */
  async list(
    workspace: string,
    page: { afterSlug: string | null; limit: number },
    origin: RequestActor,
  ): Promise<PublicSkillSummary[]> {
    const result = await this.#db.execute<SummaryRow>(
      withActorSettings(
        origin,
        (after) =>
          sql`platform.public_skills(case when ${after} then ${workspace}::text end, ${page.afterSlug}::text, ${page.limit}::integer)`,
      ),
    );
    return result.rows.map(toSummary);
  }
}
