import { createHash, randomBytes } from 'node:crypto';
import type { RawPool } from '@skillhub/db/bench';
import { loadPerTenant } from '../lib/load-per-tenant.ts';

/** What the load generator and the baseline need to act as a tenant. */
export interface BenchTenant {
  id: string;
  userId: string;
  /** `sk_<prefix>_<secret>` with skills:read, skills:write and usage:write; stored as its SHA-256. */
  apiKey: string;
  /** Value of the `skillhub_session` cookie of the tenant's one user; stored as its SHA-256. */
  sessionToken: string;
}

export interface LoadedCatalog {
  tenants: BenchTenant[];
  seconds: number;
}

export interface LoadCatalogOptions {
  tenants: number;
  skillsPerTenant: number;
  onProgress?: (message: string) => void;
}

const sha256Hex = (value: string) => createHash('sha256').update(value).digest('hex');

/**
 * The id of skill number `n` (1-based) of a tenant: `md5(tenant || ':' || n)`
 * as a uuid, computed alike here and in the loading SQL, so the load
 * generator can name any of a million skills without holding their ids.
 */
export function skillId(tenantId: string, n: number): string {
  const h = createHash('md5').update(`${tenantId}:${n}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * As the owner: `tenants` tenants with one member user, one API key and one
 * live session each, and `skillsPerTenant` skills per tenant loaded in bulk
 * (indexes that back no constraint are dropped first and rebuilt after,
 * change capture on skills is off during the load and on again after).
 * Also `bench_ratings`, the baseline's copy of `ratings`: same columns,
 * defaults, checks, indexes and foreign keys; no policies, no triggers.
 * `owner` must hold one connection: session settings are made on it.
 */
export async function loadCatalog(owner: RawPool, options: LoadCatalogOptions): Promise<LoadedCatalog> {
  const started = Date.now();
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)} s`;
  const say = options.onProgress ?? (() => {});
  await owner.query(`set maintenance_work_mem = '1GB'`);
  await owner.query(`select audit.disable_tracking('public.skills')`);
  const { rows: tenantRows } = await owner.query<{ id: string }>(
    `insert into tenants (name, slug)
     select 'Bench tenant ' || g, 'bench-' || lpad(g::text, 6, '0') from generate_series(1, $1::int) g
     returning id`,
    [options.tenants],
  );
  const tenantIds = tenantRows.map((r) => r.id);
  const { rows: userRows } = await owner.query<{ tenant_id: string; id: string }>(
    `insert into users (tenant_id, email, display_name, role)
     select t.id, 'member@' || t.id || '.example', 'Bench member', 'member' from unnest($1::text[]) t (id)
     returning tenant_id, id`,
    [tenantIds],
  );
  const userOf = new Map(userRows.map((r) => [r.tenant_id, r.id]));
  const tenants = tenantIds.map((id): BenchTenant => {
    const prefix = randomBytes(6).toString('hex');
    return {
      id,
      userId: userOf.get(id) ?? '',
      apiKey: `sk_${prefix}_${randomBytes(32).toString('base64url')}`,
      sessionToken: randomBytes(32).toString('base64url'),
    };
  });
  await insertCredentials(owner, tenants);

  const { rows: indexes } = await owner.query<{ name: string; definition: string }>(
    `select i.indexrelid::regclass::text as name, pg_get_indexdef(i.indexrelid) as definition
     from pg_index i
     where i.indrelid = 'public.skills'::regclass
       and not exists (select from pg_constraint c where c.conindid = i.indexrelid)
     order by 1`,
  );
  for (const index of indexes) await owner.query(`drop index ${index.name}`);
  await loadPerTenant(
    owner,
    // A private skill is the tenant's one user's own, so the key (which acts
    // for that user) reads every skill and the visibility policy is evaluated.
    `insert into public.skills (tenant_id, id, slug, name, description, content, tags, visibility, author_id,
       created_at, updated_at)
     select t.id, md5(t.id || ':' || r)::uuid, 'skill-' || r, 'Skill ' || r,
            'What skill ' || r || ' is for, in one sentence.',
            repeat('Step ' || r || ': do the next thing carefully. ', 4),
            array['bench', 'topic-' || (r % 10)], (array['private', 'internal', 'public'])[1 + r % 3],
            case when r % 3 = 0 then (select u.id from users u where u.tenant_id = t.id limit 1) end,
            now() - interval '400 days', now() - random() * interval '365 days'
     from unnest($1::text[]) as t (id) cross join generate_series(1, $2::int) r`,
    { tenantIds, rowsPerTenant: options.skillsPerTenant, what: 'skills' },
    (message) => say(`${message} (${elapsed()})`),
  );
  for (const index of indexes) {
    say(`building ${index.name} (${elapsed()})`);
    await owner.query(index.definition);
  }
  await owner.query(`select audit.enable_tracking('public.skills')`);
  await owner.query(`
    create table public.bench_ratings (like public.ratings including all);
    alter table public.bench_ratings
      add foreign key (tenant_id) references public.tenants (id) on delete restrict,
      add foreign key (tenant_id, skill_id) references public.skills (tenant_id, id) on delete cascade,
      add foreign key (tenant_id, user_id) references public.users (tenant_id, id) on delete cascade;`);
  say(`vacuum analyze (${elapsed()})`);
  await owner.query('vacuum analyze tenants, users, api_keys, user_sessions, public.skills, ratings, bench_ratings');
  await owner.query('checkpoint');
  return { tenants, seconds: (Date.now() - started) / 1000 };
}

/**
 * The API keys and sessions, written as the owner the way the product
 * stores them: only SHA-256 hashes. A session's last IP is the loopback
 * address the load comes from, and its last activity is now, so resolving
 * it records no IP change and rewrites no row for five minutes.
 */
async function insertCredentials(owner: RawPool, tenants: BenchTenant[]): Promise<void> {
  await owner.query(
    `insert into api_keys (tenant_id, name, prefix, key_hash, scopes, created_by)
     select t.id, 'bench', t.prefix, t.hash, array['skills:read', 'skills:write', 'usage:write'], t.user_id
     from unnest($1::text[], $2::text[], $3::text[], $4::uuid[]) t (id, prefix, hash, user_id)`,
    [
      tenants.map((t) => t.id),
      tenants.map((t) => t.apiKey.slice(3, 15)),
      tenants.map((t) => sha256Hex(t.apiKey)),
      tenants.map((t) => t.userId),
    ],
  );
  await owner.query(
    `insert into user_sessions (tenant_id, user_id, token_hash, ip_address, last_ip, idle_timeout, expires_at)
     select t.id, t.user_id, t.hash, '127.0.0.1', '127.0.0.1', interval '1 day', now() + interval '1 day'
     from unnest($1::text[], $2::uuid[], $3::text[]) t (id, user_id, hash)`,
    [tenants.map((t) => t.id), tenants.map((t) => t.userId), tenants.map((t) => sha256Hex(t.sessionToken))],
  );
}
