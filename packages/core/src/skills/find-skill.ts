import { and, eq, or, sameTenant, skills, type TenantTx } from '@skillhub/db';
import { AppError } from '../errors/app-error.ts';
import { skillColumns } from './skill-view.ts';

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A skill of this tenant by id or slug, locked for update when asked; otherwise NOT_FOUND. */
export async function findSkill(
  tx: TenantTx,
  idOrSlug: string,
  options: { forUpdate?: boolean; withContent?: boolean } = {},
) {
  // No slug or id is this long: refuse before it reaches SQL, like any unknown skill.
  if (idOrSlug.length > 100) throw new AppError('NOT_FOUND', 'No such skill.');
  const where = uuidPattern.test(idOrSlug)
    ? or(eq(skills.id, idOrSlug), eq(skills.slug, idOrSlug))
    : eq(skills.slug, idOrSlug);
  const query = tx
    .select({ ...skillColumns, ...(options.withContent && { content: skills.content }) })
    .from(skills)
    .where(and(sameTenant(skills.tenantId), where))
    .limit(1);
  const [skill] = options.forUpdate ? await query.for('update') : await query;
  if (!skill) throw new AppError('NOT_FOUND', 'No such skill.', { probe: { table: 'skills', id: idOrSlug } });
  return skill as typeof skill & { content?: string };
}
