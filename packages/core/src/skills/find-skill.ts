import { and, builtOncePerShape, eq, or, sameTenantBound, skills, sql, type TenantTx } from '@skillhub/db';
import { AppError } from '../errors/app-error.ts';
import { type SkillRow, skillColumns } from './skill-view.ts';

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface LookupShape extends Record<string, boolean> {
  /** The reference may be an id (it looks like a uuid): matched against the id or the slug. */
  byId: boolean;
  withContent: boolean;
  forUpdate: boolean;
}

/** The lookup, built once per shape and connection: every request for a skill runs one. */
const lookup = builtOncePerShape((tx, shape: LookupShape) => {
  const ref = sql.placeholder('ref');
  const query = tx
    .select({ ...skillColumns, ...(shape.withContent && { content: skills.content }) })
    .from(skills)
    .where(
      and(
        sameTenantBound(skills.tenantId),
        shape.byId ? or(eq(skills.id, ref), eq(skills.slug, ref)) : eq(skills.slug, ref),
      ),
    )
    .limit(1);
  return shape.forUpdate ? query.for('update') : query;
}) as (tx: TenantTx, shape: LookupShape, values: { ref: string }) => Promise<SkillRow[]>;

/** A skill of this tenant by id or slug, locked for update when asked; otherwise NOT_FOUND. */
export async function findSkill(
  tx: TenantTx,
  idOrSlug: string,
  options: { forUpdate?: boolean; withContent?: boolean } = {},
) {
  // No slug or id is this long: refuse before it reaches SQL, like any unknown skill.
  if (idOrSlug.length > 100) throw new AppError('NOT_FOUND', 'No such skill.');
  const shape = {
    byId: uuidPattern.test(idOrSlug),
    withContent: options.withContent === true,
    forUpdate: options.forUpdate === true,
  };
  const [skill] = await lookup(tx, shape, { ref: idOrSlug });
  if (!skill) throw new AppError('NOT_FOUND', 'No such skill.', { probe: { table: 'skills', id: idOrSlug } });
  return skill;
}
