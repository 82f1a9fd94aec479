import {
  and,
  arrayContains,
  builtOncePerShape,
  eq,
  type SQL,
  sameTenantBound,
  skills,
  sql,
  type TenantTx,
} from '@skillhub/db';
import { AppError } from '../errors/app-error.ts';
import { isoTimestamp, uuidPattern } from '../pagination/cursor.ts';
import { isIsoInstant } from '../validation/iso-instant.ts';
import { isStorableText } from '../validation/storable-text.ts';
import { type SkillRow, skillColumns, toSkillView } from './skill-view.ts';

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

/** A listed row: the skill's columns and, under a time sort, that time as the cursor carries it. */
type ListedRow = SkillRow & { sortText?: string };

interface SortKey {
  expr: SQL;
  /**
   * A time as text with PostgreSQL's microseconds ({@link isoTimestamp}), selected as `sortText`: a cursor
   * holding the millisecond a Date keeps would show again, or skip, the rows that share it.
   */
  text?: SQL;
  value: (row: ListedRow) => string | number;
  /** Whether a cursor's value is one this key hands out, and one PostgreSQL compares with `expr`. */
  accepts: (value: unknown) => boolean;
}

const isInstant = (value: unknown) => typeof value === 'string' && isIsoInstant(value);

const sortKeys: Record<SkillSort, SortKey> = {
  updated: {
    expr: sql`${skills.updatedAt}`,
    text: isoTimestamp(skills.updatedAt),
    value: (r) => r.sortText as string,
    accepts: isInstant,
  },
  created: {
    expr: sql`${skills.createdAt}`,
    text: isoTimestamp(skills.createdAt),
    value: (r) => r.sortText as string,
    accepts: isInstant,
  },
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

const encode = (value: string | number, id: string) => Buffer.from(JSON.stringify([value, id])).toString('base64url');

/** Which parts a list query has: one query is built per shape and connection. */
interface ListShape extends Record<string, string | boolean> {
  sort: SkillSort;
  order: 'asc' | 'desc';
  tag: boolean;
  author: boolean;
  minRating: boolean;
  after: boolean;
}

const list = builtOncePerShape((tx, shape: ListShape) => {
  const key = sortKeys[shape.sort];
  const direction = shape.order === 'asc' ? sql`asc` : sql`desc`;
  const comparison = shape.order === 'asc' ? sql`>` : sql`<`;
  return tx
    .select({ ...skillColumns, ...(key.text && { sortText: key.text }) })
    .from(skills)
    .where(
      and(
        sameTenantBound(skills.tenantId),
        shape.tag ? arrayContains(skills.tags, sql.placeholder('tags')) : undefined,
        shape.author ? eq(skills.authorId, sql.placeholder('author')) : undefined,
        shape.minRating ? sql`${average} >= ${sql.placeholder('minRating')}` : undefined,
        shape.after
          ? sql`(${key.expr}, ${skills.id}) ${comparison} (${sql.placeholder('afterValue')}, ${sql.placeholder('afterId')}::uuid)`
          : undefined,
      ),
    )
    .orderBy(sql`${key.expr} ${direction}`, sql`${skills.id} ${direction}`)
    .limit(sql.placeholder('limit'));
}) as (tx: TenantTx, shape: ListShape, values: Record<string, unknown>) => Promise<ListedRow[]>;

/**
 * One page of the tenant's skills, filtered and sorted, with a keyset
 * cursor on (sort value, id): stable under concurrent inserts and cheap at
 * any depth. The tenant condition routes; the row policy is the filter.
 */
export async function listSkills(tx: TenantTx, input: ListSkillsInput) {
  const key = sortKeys[input.sort];
  const order = input.order ?? (input.sort === 'name' ? 'asc' : 'desc');
  const after = input.cursor ? parseCursor(input.cursor, key) : null;
  const shape: ListShape = {
    sort: input.sort,
    order,
    tag: input.tag !== undefined && input.tag !== '',
    author: input.author !== undefined && input.author !== '',
    minRating: input.minRating !== undefined,
    after: after !== null,
  };
  const rows = await list(tx, shape, {
    tags: [input.tag],
    author: input.author,
    minRating: input.minRating,
    afterValue: after?.value,
    afterId: after?.id,
    limit: input.limit + 1,
  });
  const page = rows.slice(0, input.limit);
  const last = page.at(-1);
  return {
    skills: page.map(({ sortText, ...row }) => toSkillView(row)),
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
