import type { Database, PublicSkill, RequestActor } from '@skillhub/db';
import { AppError } from '../errors/app-error.ts';

/**
 * A public skill of `workspace` for a reader without credentials, through
 * the database's public door (recorded, tallied, in the workspace's chain).
 * An unknown workspace, a skill that is not public and no skill at all are
 * one and the same NOT_FOUND, with no probe to record: nobody's id was named.
 */
export async function readPublicSkill(
  db: Database,
  workspace: string,
  slug: string,
  origin: RequestActor,
): Promise<PublicSkill> {
  const skill = await db.publicCatalog.skill(workspace, slug, origin);
  if (!skill) throw new AppError('NOT_FOUND', 'No such public skill.');
  return skill;
}
