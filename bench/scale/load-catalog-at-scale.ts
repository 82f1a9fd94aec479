import type { RawPool } from '@skillhub/db/bench';
import { withIndexesDropped } from '../lib/indexes-dropped.ts';
import { loadPerTenant } from '../lib/load-per-tenant.ts';

export interface ScaleCatalog {
  tenantIds: string[];
  usersPerTenant: number;
  skillsPerTenant: number;
  seconds: number;
}

/** Tenant `i`'s id (1-based), fixed-width so they sort as they were made. */
export const tenantIdOf = (i: number) => `scale-${String(i).padStart(6, '0')}`;
/** User `u` (0-based) of a tenant signs in with this address; user 0 is the workspace owner. */
export const emailOf = (tenantId: string, u: number) => `user-${u}@${tenantId}.example`;

/**
 * As the owner, with `session_replication_role = replica` on `owner`'s one
 * connection (triggers, change capture and the foreign key checks stay
 * quiet; the generated rows satisfy every key by construction): the
 * tenants, their settings rows, `usersPerTenant` users each and
 * `skillsPerTenant` skills each of realistic size (a name, a sentence, a
 * 300-character body, tags), `updated_at` spread over a year. Skills'
 * secondary indexes are built after the rows. Ids are derived
 * (`md5(tenant:n)`), so the measuring side can name any row.
 */
export async function loadCatalogAtScale(
  owner: RawPool,
  options: { tenants: number; usersPerTenant: number; skillsPerTenant: number },
  say: (message: string) => void,
): Promise<ScaleCatalog> {
  const started = Date.now();
  const tenantIds = Array.from({ length: options.tenants }, (_, i) => tenantIdOf(i + 1));
  await owner.query(
    `insert into tenants (id, name, slug, plan)
     select t.id, 'Workspace ' || t.id, t.id, (array['free', 'team', 'enterprise'])[1 + t.n % 3]
     from unnest($1::text[]) with ordinality t (id, n)`,
    [tenantIds],
  );
  await owner.query(
    `insert into site_settings (tenant_id, display_name, settings)
     select id, name, '{"blocklist": {"ips": ["203.0.113.0/24"], "emails": ["@spam.test"]}}' from tenants
     where id like 'scale-%'`,
  );
  await loadPerTenant(
    owner,
    `insert into users (tenant_id, id, email, display_name, role, password_hash)
     select t.id, md5('user:' || t.id || ':' || u)::uuid, 'user-' || u || '@' || t.id || '.example', 'User ' || u,
            case when u = 0 then 'owner' when u = 1 then 'admin' else 'member' end,
            '$argon2id$v=19$m=19456,t=2,p=1$' || md5(t.id || u) || '$' || md5(u || t.id)
     from unnest($1::text[]) as t (id) cross join generate_series(0, $2::int - 1) u`,
    { tenantIds, rowsPerTenant: options.usersPerTenant, what: 'users' },
    say,
  );
  await withIndexesDropped(
    owner,
    'public.skills',
    () =>
      loadPerTenant(
        owner,
        `insert into skills (tenant_id, id, slug, name, description, content, tags, author_id, visibility,
                             latest_version, rating_count, rating_sum, created_at, updated_at)
         select t.id, md5(t.id || ':' || r)::uuid, 'skill-' || r, 'Skill ' || r || ' of ' || t.id,
                'What skill ' || r || ' is for, in one sentence a reader can act on.',
                repeat('Step ' || r || ': read the brief, then do the next thing carefully. ', 5),
                array['topic-' || (r % 40), 'team-' || (r % 7)], md5('user:' || t.id || ':' || (r % $3::int))::uuid,
                (array['private', 'internal', 'public'])[1 + r % 3], 1 + r % 4, r % 50, (r % 50) * 4,
                now() - interval '400 days', now() - random() * interval '365 days'
         from unnest($1::text[]) as t (id) cross join generate_series(1, $2::int) r`,
        { tenantIds, rowsPerTenant: options.skillsPerTenant, what: 'skills' },
        say,
        [options.usersPerTenant],
      ),
    { say },
  );
  return {
    tenantIds,
    usersPerTenant: options.usersPerTenant,
    skillsPerTenant: options.skillsPerTenant,
    seconds: (Date.now() - started) / 1000,
  };
}
