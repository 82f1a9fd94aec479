import type { TenantTx } from '@skillhub/db';
import { findSkill } from './find-skill.ts';
import { toSkillView } from './skill-view.ts';

/** A skill by id or slug, with its content, as the API shows it. */
export async function getSkill(tx: TenantTx, ref: string) {
  return toSkillView(await findSkill(tx, ref, { withContent: true }));
}
