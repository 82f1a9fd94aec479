import { and, arrayContains, eq, type SQL, sameTenant, skills, sql, type TenantTx } from '@skillhub/db';
import { AppError } from '../errors/app-error.ts';
import { uuidPattern } from '../pagination/cursor.ts';
import { isIsoInstant } from '../validation/iso-instant.ts';
import { isStorableText } from '../validation/storable-text.ts';
import { skillColumns, toSkillView } from './skill-view.ts';

export const skillSorts = ['updated', 'created', 'name', 'rating'] as const;
export type SkillSort = (typeof skillSorts)[number];

export interface ListSkillsInput {
  tag?: string | undefined;
  author?: string | undefined;
  minRating?: number | undefined;
  sort: SkillSort;
  /** Default: ascending by name, newest (or best) first otherwise. */
  order?: 'asc' | 'desc' | undefined;
  limit: number;
  cursor?: string | undefined;
}

const average = sql<number>`(case when ${skills.ratingCount} = 0 then 0 else ${skills.ratingSum}::float8 / ${skills.ratingCount} end)`;

interface SortKey {
  expr: SQL;
  value: (row: SkillRowish) => string | number;
  /** Whether a cursor's value is one this key hands out, and one PostgreSQL compares with `expr`. */
  accepts: (value: unknown) => boolean;
}

const isInstant = (value: unknown) => typeof value === 'string' && isIsoInstant(value);

const sortKeys: Record<SkillSort, SortKey> = {
  updated: { expr: sql`${skills.updatedAt}`, value: (r) => r.updatedAt.toISOString(), accepts: isInstant },
  created: { expr: sql`${skills.createdAt}`, value: (r) => r.createdAt.toISOString(), accepts: isInstant },
  name: {
    expr: sql`${skills.name}`,
    value: (r) => r.name,
    // A skill's name: at most 200 characters, so never a NUL or a broken surrogate pair.
    accepts: (value) => typeof value === 'string' && value.length <= 200 && isStorableText(value),
  },
  rating: {
    expr: average,
    value: (r) => (r.ratingCount === 0 ? 0 : r.ratingSum / r.ratingCount),
    accepts: (value) => typeof value === 'number' && value >= 0 && value <= 5,
  },
};

interface SkillRowish {
  id: string;
  name: string;
  updatedAt: Date;
  createdAt: Date;
  ratingSum: number;
  ratingCount: number;
}

const encode = (value: string | number, id: string) => Buffer.from(JSON.stringify([value, id])).toString('base64url');

/**
 * One page of the tenant's skills, filtered and sorted, with a keyset
 * cursor on (sort value, id): stable under concurrent inserts and cheap at
 * any depth. No tenant filter here: the row policy is the filter.
 */
export async function listSkills(tx: TenantTx, input: ListSkillsInput) {
  const key = sortKeys[input.sort];
  const order = input.order ?? (input.sort === 'name' ? 'asc' : 'desc');
  const direction = order === 'asc' ? sql`asc` : sql`desc`;
  const after = input.cursor ? parseCursor(input.cursor, key) : null;
  const comparison = order === 'asc' ? sql`>` : sql`<`;
  const rows = await tx
    .select(skillColumns)
    .from(skills)
    .where(
      and(
        sameTenant(skills.tenantId),
        input.tag ? arrayContains(skills.tags, [input.tag]) : undefined,
        input.author ? eq(skills.authorId, input.author) : undefined,
        input.minRating !== undefined ? sql`${average} >= ${input.minRating}` : undefined,
        after ? sql`(${key.expr}, ${skills.id}) ${comparison} (${after.value}, ${after.id}::uuid)` : undefined,
      ),
    )
    .orderBy(sql`${key.expr} ${direction}`, sql`${skills.id} ${direction}`)
    .limit(input.limit + 1);
  const page = rows.slice(0, input.limit);
  const last = page.at(-1);
  return {
    skills: page.map(toSkillView),
    nextCursor: rows.length > input.limit && last ? encode(key.value(last), last.id) : null,
  };
}

/** The (sort value, id) a cursor names, when it is one `key` could have handed out; otherwise 400. */
function parseCursor(cursor: string, key: SortKey): { value: string | number; id: string } {
  try {
    const [value, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown];
    if (key.accepts(value) && typeof id === 'string' && uuidPattern.test(id)) {
      return { value: value as string | number, id };
    }
  } catch {}
  throw new AppError('VALIDATION_FAILED', 'The cursor is not valid; start again without it.');
}
