import type { RawPool } from '@skillhub/db/bench';
import { withIndexesDropped } from '../lib/indexes-dropped.ts';
import { loadPerTenant } from '../lib/load-per-tenant.ts';

// 1,000 skill records as change capture writes them (every column of the
// row, ~700 bytes), old and new, built once: the load then costs the
// ledger's insert rather than building jsonb.
const recordsSql = `
  create schema if not exists bench_scale;
  create table bench_scale.skill_records as
  select k as template, old, old || jsonb_build_object('description', 'Revised: what skill ' || k || ' is for, said better.',
                                          'updated_at', now()) as new
  from generate_series(0, 999) k
  cross join lateral (select jsonb_build_object('slug', 'skill-' || k, 'name', 'Skill ' || k,
    'description', 'What skill ' || k || ' is for, in one sentence a reader can act on.',
    'content', repeat('Step ' || k || ': read the brief, then do the next thing carefully. ', 5),
    'tags', jsonb_build_array('topic-' || (k % 40), 'team-' || (k % 7)), 'visibility', 'internal',
    'latest_version', 1 + k % 4, 'rating_count', k % 50, 'rating_sum', (k % 50) * 4,
    'created_at', now() - interval '400 days', 'updated_at', now() - interval '30 days') as old) o`;

// Per tenant, event k of n (created_at rising over the last year):
//   k % 10 = 0   a sign-in (30% failed) from one of 50,000 IPs: a
//                security_events row and its audit twin, as
//                platform.write_security_event writes them;
//   k % 10 = 1-5 a captured skills UPDATE (old and new record, changed fields);
//   k % 100 = 56 a system-chain event (no tenant), the directory lookup a sign-in makes;
//   otherwise    an application event with 100-200 bytes of metadata.
const eventsSql = `
  with events as materialized (
    select t.id as tenant_id, k, md5(t.id || ':' || (1 + k % $3::int))::uuid as skill_id,
           md5('user:' || t.id || ':' || (k % $4::int))::uuid as user_id, 'user-' || (k % $4::int) || '@' || t.id || '.example' as email,
           ('10.' || (h % 200) || '.' || ((h / 200) % 250) || '.' || (k % 250))::inet as ip,
           now() - interval '365 days' * (1 - k::float8 / $2::int) - random() * interval '10 minutes' as at,
           md5('sec:' || t.id || ':' || k)::uuid as security_event_id, k % 3 = 0 as failed
    from unnest($1::text[]) as t (id) cross join generate_series(1, $2::int) k
    cross join lateral (select abs(hashtext(t.id || k)) % 50000 as h) x
  ),
  sign_ins as (
    insert into security_events (id, tenant_id, event_type, severity, user_id, email, ip_address, details, created_at)
    select security_event_id, tenant_id, case when failed then 'login_failed' else 'login_success' end::security_event_type,
           case when failed then 'low' else 'info' end::security_severity, case when not failed then user_id end,
           email, ip, case when failed then '{"reason": "invalid_credentials"}'::jsonb else '{}'::jsonb end, at
    from events where k % 10 = 0
    returning 1
  )
  insert into audit_logs (tenant_id, actor_type, actor_id, action, resource_type, resource_id, ip_address, request_id,
                          metadata, operation, table_name, old_record, new_record, changed_fields, created_at)
  select case when k % 100 = 56 then null else e.tenant_id end,
         case when k % 10 = 0 or k % 100 = 56 then 'system' else 'user' end, e.user_id::text,
         case when k % 10 = 0 then 'security.' || case when failed then 'login_failed' else 'login_success' end
              when k % 10 between 1 and 5 then 'skills.update'
              when k % 100 = 56 then 'tenant.resolve'
              else (array['skill.viewed', 'skill.exported', 'api_key.used', 'settings.read'])[1 + k % 4] end,
         case when k % 10 = 0 then 'security_event' when k % 10 between 1 and 5 then 'skills'
              when k % 100 = 56 then 'tenant' else 'skill' end,
         case when k % 10 = 0 then e.security_event_id::text when k % 100 = 56 then e.tenant_id
              else e.skill_id::text end,
         e.ip, 'req-' || md5(e.tenant_id || k),
         case when k % 10 = 0 then jsonb_build_object('severity', case when failed then 'low' else 'info' end,
                                                      'email', e.email, 'user_id', e.user_id)
              when k % 10 between 1 and 5 then '{}'::jsonb
              when k % 100 = 56 then jsonb_build_object('slug', e.tenant_id, 'found', true, 'via', 'slug')
              else jsonb_build_object('source', 'api', 'user_agent', 'skillhub-cli/0.1 (linux; x64) node/20',
                                      'fields', jsonb_build_array('description', 'content'), 'skill', e.skill_id) end,
         case when k % 10 between 1 and 5 then 'UPDATE'::audit.operation end,
         case when k % 10 between 1 and 5 then 'skills' end,
         case when k % 10 between 1 and 5 then r.old || jsonb_build_object('tenant_id', e.tenant_id, 'id', e.skill_id) end,
         case when k % 10 between 1 and 5 then r.new || jsonb_build_object('tenant_id', e.tenant_id, 'id', e.skill_id) end,
         case when k % 10 between 1 and 5 then array['description', 'updated_at'] end,
         e.at
  from events e join bench_scale.skill_records r on r.template = e.k % 1000
  cross join (select count(*) from sign_ins) s`;

/**
 * As the owner (with `session_replication_role = replica` on `owner`'s one
 * connection, as for the catalog), `eventsPerTenant` ledger events per
 * tenant in bulk, in transactions of about 50,000 events (so the ledger
 * holds many transaction ids, in the order sealing follows), shaped like
 * the real writers' rows (see `eventsSql`). Both tables' indexes are
 * built after the rows, or with `indexesInPlace` kept and written row by
 * row, as a writer's are (a load into a ledger that already holds
 * millions: rebuilding its indexes would cost more than the rows).
 * Unsealed: sealing is what the caller measures next.
 */
export async function loadLedgerAtScale(
  owner: RawPool,
  options: {
    tenantIds: string[];
    eventsPerTenant: number;
    skillsPerTenant: number;
    usersPerTenant: number;
    indexesInPlace?: boolean;
  },
  say: (message: string) => void,
): Promise<{ seconds: number }> {
  const started = Date.now();
  await owner.query(recordsSql);
  const load = () =>
    loadPerTenant(
      owner,
      eventsSql,
      { tenantIds: options.tenantIds, rowsPerTenant: options.eventsPerTenant, what: 'ledger events' },
      say,
      [options.skillsPerTenant, options.usersPerTenant],
    );
  if (options.indexesInPlace) {
    await load();
  } else {
    await withIndexesDropped(
      owner,
      'public.security_events',
      () => withIndexesDropped(owner, 'public.audit_logs', load, { constraints: true, say }),
      { constraints: true, say },
    );
  }
  await owner.query('drop schema bench_scale cascade');
  return { seconds: (Date.now() - started) / 1000 };
}
