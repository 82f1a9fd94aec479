import { type Database, sameTenant, siteSettings, sql, type Tenant, users } from '@skillhub/db';
import { cliActor } from '../runtime/cli-actor.ts';

/** Skills in each tenant `demo --scale` generates. */
export const scaleSkillsPerTenant = 1_000;
const membersPerTenant = 4;

/** A demo skill's template for bulk generation: its versions and the embedding of its latest content. */
export interface ScaleTemplate {
  slug: string;
  name: string;
  description: string;
  tags: string[];
  visibility: string;
  versions: { content: string; changelog: string }[];
  embedding: number[];
}

export interface ScaleInput {
  slug: string;
  templates: ScaleTemplate[];
  embeddingModel: string;
  /** One argon2 hash shared by every generated user (hashing thousands would take minutes). */
  passwordHash: string;
}

/**
 * Creates a tenant with 1,000 skills (cycling through the demo templates,
 * 1–3 versions each, with embeddings), five users, ratings, a few reviews
 * and about 10,000 uses over the last 30 days, in bulk: a handful of
 * `insert ... select from generate_series` statements instead of one use
 * case call per row. For benchmarks. It still runs as the runtime role
 * inside `withTenant`, so the row policies apply and change capture
 * records every row (one trigger call per statement).
 */
export async function loadScaleTenant(db: Database, input: ScaleInput): Promise<Tenant> {
  const tenant = await db.platform.createTenant({ name: `Scale ${input.slug}`, slug: input.slug }, cliActor());
  const domain = `${input.slug}.example`;
  await db.withTenant(tenant.id, cliActor(), async (tx) => {
    await tx.insert(siteSettings).values({ displayName: `Scale ${input.slug}` });
    const people = await tx
      .insert(users)
      .values([
        { email: `owner@${domain}`, displayName: 'Scale Owner', role: 'owner', passwordHash: input.passwordHash },
        ...Array.from({ length: membersPerTenant }, (_, i) => ({
          email: `member${i + 1}@${domain}`,
          displayName: `Scale Member ${i + 1}`,
          role: 'member' as const,
          passwordHash: input.passwordHash,
        })),
      ])
      .returning({ id: users.id });
    const userIds = JSON.stringify(people.map((p) => p.id));
    const templates = JSON.stringify(input.templates);
    await tx.execute(sql`
      with template as (
        select (t.n - 1)::int as i, t.value as skill
        from jsonb_array_elements(${templates}::jsonb) with ordinality t(value, n)
      ), authors as (
        select array_agg(a.value::uuid order by a.n) as ids
        from jsonb_array_elements_text(${userIds}::jsonb) with ordinality a(value, n)
      )
      insert into skills (slug, name, description, content, tags, author_id, visibility, latest_version)
      select t.skill ->> 'slug' || '-' || g, t.skill ->> 'name' || ' #' || g, t.skill ->> 'description',
             t.skill -> 'versions' -> -1 ->> 'content',
             array(select jsonb_array_elements_text(t.skill -> 'tags')),
             (a.ids)[1 + g % cardinality(a.ids)], t.skill ->> 'visibility', jsonb_array_length(t.skill -> 'versions')
      from generate_series(1, ${scaleSkillsPerTenant}) g
      join template t on t.i = (g - 1) % ${input.templates.length}
      cross join authors a`);
    // Versions and embeddings in statements of their own: their visibility
    // policy looks the skill up, and a statement does not see the rows its
    // own earlier parts inserted. Each skill finds its template by the
    // number its slug ends with.
    const skillTemplates = sql`
      with template as (
        select (t.n - 1)::int as i, t.value as skill
        from jsonb_array_elements(${templates}::jsonb) with ordinality t(value, n)
      )
      select s.id, s.author_id, t.skill from skills s
      join template t on t.i = (substring(s.slug from '-([0-9]+)$')::int - 1) % ${input.templates.length}
      where ${sameTenant('s')}`;
    await tx.execute(sql`
      insert into skill_versions (skill_id, version, content, changelog, created_by)
      select p.id, v.n, v.value ->> 'content', v.value ->> 'changelog', p.author_id
      from (${skillTemplates}) p
      cross join lateral jsonb_array_elements(p.skill -> 'versions') with ordinality v(value, n)`);
    await tx.execute(sql`
      insert into skill_embeddings (skill_id, model, embedding)
      select p.id, ${input.embeddingModel}, array(select e::real from jsonb_array_elements_text(p.skill -> 'embedding') e)
      from (${skillTemplates}) p`);
    // Each user rates about half the skills, mostly favourably; the skills keep their aggregates in step.
    await tx.execute(sql`
      insert into ratings (skill_id, user_id, score)
      select s.id, u.id, (array[2, 3, 4, 4, 4, 5, 5, 5])[1 + floor(random() * 8)::int]
      from skills s cross join users u
      where ${sameTenant('s')} and ${sameTenant('u')} and random() < 0.5 and u.id is distinct from s.author_id`);
    await tx.execute(sql`
      update skills s set rating_count = r.count, rating_sum = r.sum
      from (select skill_id, count(*)::int as count, sum(score)::int as sum from ratings
              where ${sameTenant('ratings')} group by skill_id) r
      where ${sameTenant('s')} and r.skill_id = s.id`);
    await tx.execute(sql`
      insert into skill_reviews (skill_id, reviewer_id, status, notes)
      select s.id, (select id from users where ${sameTenant('users')} and role = 'owner' limit 1),
             case when random() < 0.8 then 'approved' else 'changes_requested' end, 'Bulk-generated review.'
      from skills s where ${sameTenant('s')} and random() < 0.05`);
    // Popularity varies by skill (0–19 uses), spread over the last 30 days.
    await tx.execute(sql`
      insert into usage_events (skill_id, user_id, source, occurred_at)
      select s.id, s.author_id, (array['web', 'agent', 'api'])[1 + floor(random() * 3)::int],
             now() - random() * interval '30 days'
      from skills s
      cross join lateral generate_series(1, abs(hashtext(s.id::text)) % 20) n
      where ${sameTenant('s')}`);
  });
  return tenant;
}
