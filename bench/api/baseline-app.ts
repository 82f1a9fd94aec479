import type { RawPool } from '@skillhub/db/bench';
import { Hono } from 'hono';
import { getCookie } from 'hono/cookie';
import type { BenchTenant } from './load-catalog.ts';
import { standInSkill } from './split-routes.ts';

export interface BaselinePools {
  /** Owner (superuser) connections: row level security does not apply. */
  owner: RawPool;
  /** The same, with session_replication_role = replica: ordinary triggers (change capture) do not fire. */
  replica: RawPool;
}

interface SkillRow {
  id: string;
  slug: string;
  name: string;
  description: string;
  tags: string[];
  author_id: string | null;
  visibility: string;
  latest_version: number;
  rating_count: number;
  rating_sum: number;
  created_at: Date;
  updated_at: Date;
  content?: string;
  /** The list's sort time as its cursor carries it, with PostgreSQL's microseconds (as the product's). */
  sort_text?: string;
}

const columns =
  'id, slug, name, description, tags, author_id, visibility, latest_version, rating_count, rating_sum, created_at, updated_at';
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const summary = (count: number, sum: number) => ({
  count,
  average: count === 0 ? null : Math.round((sum / count) * 100) / 100,
});

/** The product's response shape for a skill, key for key. */
const view = (r: SkillRow) => ({
  id: r.id,
  slug: r.slug,
  name: r.name,
  description: r.description,
  tags: r.tags,
  authorId: r.author_id,
  visibility: r.visibility,
  latestVersion: r.latest_version,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  ...(r.content !== undefined && { content: r.content }),
  rating: summary(r.rating_count, r.rating_sum),
});

const cursor = (r: SkillRow) => Buffer.from(JSON.stringify([r.sort_text, r.id])).toString('base64url');

/**
 * The baseline: the three benchmarked requests answered from the same
 * tables with the same SQL, minus everything the product adds around it.
 * No tenant context, no transaction, no audit or security writes, no
 * credential lookup in the database (an in-memory map from the raw API key
 * or session token to its tenant), `where tenant_id = $1` in every query,
 * and the same visibility rule the product's policy applies (a member sees
 * a private skill only when it is theirs) as a plain filter.
 * Rating rows go to `bench_ratings` (a copy of `ratings` without triggers or
 * policies); the skill's rating totals are refreshed on `skills` through the
 * replica pool, so the change capture attached to `skills` does not fire.
 */
export function createBaselineApp(pools: BaselinePools, tenants: BenchTenant[]): Hono {
  const byKey = new Map(tenants.map((t) => [t.apiKey, t]));
  const bySession = new Map(tenants.map((t) => [t.sessionToken, t]));
  const app = new Hono();
  const keyTenant = (header: string | undefined) => byKey.get(header?.match(/^Bearer\s+(\S+)$/i)?.[1] ?? '');
  const unauthenticated = { error: { code: 'UNAUTHENTICATED', message: 'no such credential' } };
  const notFound = { error: { code: 'NOT_FOUND', message: 'No such skill.' } };

  const findSkill = async (tenant: BenchTenant, ref: string, withContent: boolean) => {
    const select = `select ${columns}${withContent ? ', content' : ''} from skills
      where tenant_id = $1 and (visibility <> 'private' or author_id = $2)`;
    const { rows } = uuidPattern.test(ref)
      ? await pools.owner.query<SkillRow>(`${select} and (id = $3 or slug = $4) limit 1`, [
          tenant.id,
          tenant.userId,
          ref,
          ref,
        ])
      : await pools.owner.query<SkillRow>(`${select} and slug = $3 limit 1`, [tenant.id, tenant.userId, ref]);
    return rows[0];
  };

  // `--split`'s floor: HTTP and the credential, then the stand-in answer.
  app.get('/bench/floor/:ref', (c) =>
    keyTenant(c.req.header('authorization')) ? c.json(standInSkill) : c.json(unauthenticated, 401),
  );

  app.get('/skills', async (c) => {
    const tenant = keyTenant(c.req.header('authorization'));
    if (!tenant) return c.json(unauthenticated, 401);
    const limit = Math.min(100, Math.max(1, Number(c.req.query('limit') ?? 20) || 20));
    const { rows } = await pools.owner.query<SkillRow>(
      `select ${columns}, to_char(updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as sort_text
       from skills where tenant_id = $1 and (visibility <> 'private' or author_id = $2)
       order by updated_at desc, id desc limit $3`,
      [tenant.id, tenant.userId, limit + 1],
    );
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return c.json({ skills: page.map(view), nextCursor: rows.length > limit && last ? cursor(last) : null });
  });

  app.get('/skills/:ref', async (c) => {
    const tenant = keyTenant(c.req.header('authorization'));
    if (!tenant) return c.json(unauthenticated, 401);
    const skill = await findSkill(tenant, c.req.param('ref'), true);
    return skill ? c.json(view(skill)) : c.json(notFound, 404);
  });

  app.put('/skills/:ref/rating', async (c) => {
    const session = bySession.get(getCookie(c, 'skillhub_session') ?? '');
    if (!session) return c.json(unauthenticated, 401);
    const body: unknown = await c.req.json().catch(() => null);
    const score = (body as { score?: unknown } | null)?.score;
    if (typeof score !== 'number' || !Number.isInteger(score) || score < 1 || score > 5) {
      return c.json({ error: { code: 'VALIDATION_FAILED', message: 'score must be an integer 1–5' } }, 400);
    }
    const skill = await findSkill(session, c.req.param('ref'), false);
    if (!skill) return c.json(notFound, 404);
    const scope = [session.id, skill.id, session.userId];
    const { rows: existing } = await pools.owner.query<{ id: string }>(
      'select id from bench_ratings where tenant_id = $1 and skill_id = $2 and user_id = $3',
      scope,
    );
    if (existing[0]) {
      await pools.owner.query(
        'update bench_ratings set score = $3, updated_at = now() where tenant_id = $1 and id = $2',
        [session.id, existing[0].id, score],
      );
    } else {
      // Two first ratings of one skill by one user at once: the later one changes the earlier.
      await pools.owner.query(
        `insert into bench_ratings (tenant_id, skill_id, user_id, score) values ($1, $2, $3, $4)
         on conflict (tenant_id, skill_id, user_id) do update set score = excluded.score, updated_at = now()
         returning id`,
        [...scope, score],
      );
    }
    const { rows } = await pools.replica.query<{ rating_count: number; rating_sum: number }>(
      `update skills set
         rating_count = (select count(*) from bench_ratings where tenant_id = $1 and skill_id = $2),
         rating_sum = (select coalesce(sum(score), 0) from bench_ratings where tenant_id = $1 and skill_id = $2)
       where tenant_id = $1 and id = $2
       returning rating_count, rating_sum`,
      [session.id, skill.id],
    );
    return c.json({ score, rating: summary(rows[0]?.rating_count ?? 0, rows[0]?.rating_sum ?? 0) });
  });

  return app;
}
