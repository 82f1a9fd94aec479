import type { RawPool } from '@skillhub/db/bench';

export interface Population {
  tenantIds: string[];
  emails: number;
  ips: number;
}

/** The email of user `i`; user i signs in to tenant i mod tenants. */
export const emailOf = (i: number) => `user-${i}@login-bench.test`;
/** The IP of client `i`: 10.0.0.0 + i. */
export const ipOf = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

/**
 * The tenants, each with a site_settings row holding a small blocklist, so
 * that every call reads and checks real settings (the same in both databases).
 */
export async function loadTenants(owner: RawPool, tenants: number): Promise<string[]> {
  const { rows } = await owner.query<{ id: string }>(
    `insert into tenants (id, name, slug)
     select 'login-bench-' || g, 'Login bench ' || g, 'login-bench-' || g from generate_series(1, $1::int) g
     returning id`,
    [tenants],
  );
  await owner.query(
    `insert into site_settings (tenant_id, display_name, settings)
     select id, name, '{"blocklist": {"ips": ["203.0.113.0/24"], "emails": ["@spam.test", "mallory@evil.test"]}}'
     from tenants where id like 'login-bench-%'`,
  );
  return rows.map((r) => r.id);
}

/**
 * `events` sign-in events over the last 24 hours, as the owner with
 * generate_series: 30% login_failed, 70% login_success, for a random user
 * (in that user's tenant) from a random client IP, so IPs are shared across
 * users and tenants. The table's secondary indexes and primary key are
 * dropped for the load and rebuilt after it with their own definitions, then
 * the table is vacuumed and analyzed as autovacuum would eventually.
 */
export async function loadEvents(
  owner: RawPool,
  population: Population,
  events: number,
  onProgress: (message: string) => void,
): Promise<number> {
  const started = Date.now();
  const { rows: definitions } = await owner.query<{ name: string; constraint: boolean; ddl: string }>(
    `select coalesce(quote_ident(c.conname), i.indexrelid::regclass::text) as name, c.conname is not null as constraint,
            coalesce('alter table security_events add constraint ' || quote_ident(c.conname) || ' ' ||
                     pg_get_constraintdef(c.oid), pg_get_indexdef(i.indexrelid)) as ddl
     from pg_index i left join pg_constraint c on c.conindid = i.indexrelid and c.conrelid = i.indrelid
     where i.indrelid = 'security_events'::regclass`,
  );
  for (const index of definitions) {
    await owner.query(
      index.constraint ? `alter table security_events drop constraint ${index.name}` : `drop index ${index.name}`,
    );
  }
  const chunk = 500_000;
  for (let done = 0; done < events; done += chunk) {
    const size = Math.min(chunk, events - done);
    await owner.query(
      `insert into security_events (tenant_id, event_type, severity, user_id, email, ip_address, details, created_at)
       select ($1::text[])[1 + u % array_length($1::text[], 1)],
              case when failed then 'login_failed' else 'login_success' end::security_event_type,
              case when failed then 'low' else 'info' end::security_severity,
              case when failed then null else md5('user-' || u)::uuid end,
              'user-' || u || '@login-bench.test',
              '10.0.0.0'::inet + ip,
              case when failed then '{"reason": "wrong_password"}' else '{}' end::jsonb,
              now() - random() * interval '24 hours'
       from (select floor(random() * $2)::int as u, floor(random() * $3)::bigint as ip, random() < 0.3 as failed
             from generate_series(1, $4::int)) g`,
      [population.tenantIds, population.emails, population.ips, size],
    );
    onProgress(`  ${(done + size).toLocaleString('en-US')} events`);
  }
  onProgress('  rebuilding the indexes');
  for (const index of definitions) await owner.query(index.ddl);
  await owner.query('vacuum (analyze) security_events');
  return (Date.now() - started) / 1000;
}
