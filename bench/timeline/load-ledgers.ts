import type { RawPool } from '@skillhub/db/bench';

/** Where the loaded events lie: twelve months well after any run's own, each with a partition of its own. */
export const firstMonth = new Date(Date.UTC(new Date().getUTCFullYear() + 10, 0, 1));
export const monthStart = (offset: number) =>
  new Date(Date.UTC(firstMonth.getUTCFullYear(), firstMonth.getUTCMonth() + offset, 1));

// The unpartitioned ledger as it stood before migration 0044: the same
// columns and the same indexes, key (id), no partitions.
const flatSql = `
  create schema if not exists bench_timeline;
  create table bench_timeline.audit_logs_flat (like public.audit_logs including defaults including constraints);
  alter table bench_timeline.audit_logs_flat add primary key (id)`;
const flatIndexesSql = `
  create index on bench_timeline.audit_logs_flat (tenant_id, created_at desc);
  create index on bench_timeline.audit_logs_flat (actor_id, created_at desc);
  create index on bench_timeline.audit_logs_flat (action, created_at desc);
  create index on bench_timeline.audit_logs_flat using brin (created_at);
  create index on bench_timeline.audit_logs_flat (txid, seq)`;

// Events k = 1..n: tenant k % tenants, times spread evenly over twelve
// months from $1, 100-200 bytes of metadata, as application events look.
export const eventsSelect = (target: string) => `
  insert into ${target} (id, txid, seq, tenant_id, actor_type, actor_id, action, resource_type, resource_id,
                         ip_address, request_id, metadata, created_at)
  select gen_random_uuid(), pg_current_xact_id(), k, 't-' || lpad((k % $3::int)::text, 6, '0'), 'user',
         'user-' || (k % 997), (array['skill.viewed', 'skill.updated', 'api_key.used', 'settings.read'])[1 + k % 4],
         'skill', md5(k::text), ('10.0.' || (k % 250) || '.' || (k % 200))::inet, 'req-' || k,
         jsonb_build_object('source', 'api', 'user_agent', 'skillhub-cli/0.1 (linux; x64) node/20', 'n', k),
         $1::timestamptz + ($2::timestamptz - $1::timestamptz) * ((k - $4::bigint)::float8 / $5::bigint)
  from generate_series($4::bigint, $4::bigint + $5::bigint - 1) k`;

/**
 * Loads `events` events over twelve months across `tenants` tenants into an
 * unpartitioned copy of the ledger, in chunks, then the same rows into the
 * partitioned ledger, one month at a time, as a bulk load of a partitioned
 * table is done: each month's table filled without indexes, then attached
 * (PostgreSQL builds its share of every ledger index in one pass, and a
 * CHECK constraint on the range spares ATTACH its scan). As the owner: the
 * ledger has no INSERT trigger to slow a bulk load (its guards fire on
 * UPDATE, DELETE and TRUNCATE only), and row level security does not apply
 * to a superuser. The copy's indexes are built after its rows too. Both are
 * analyzed. Returns the load's seconds.
 */
export async function loadLedgers(
  owner: RawPool,
  events: number,
  tenants: number,
  progress: (message: string) => void,
): Promise<number> {
  const started = Date.now();
  await owner.query(flatSql);
  const chunk = 500_000;
  for (let done = 0; done < events; done += chunk) {
    const size = Math.min(chunk, events - done);
    await owner.query(eventsSelect('bench_timeline.audit_logs_flat'), [
      monthStart(0).toISOString(),
      monthStart(12).toISOString(),
      tenants,
      done + 1,
      size,
    ]);
    progress(`copy: ${(done + size).toLocaleString('en-US')} of ${events.toLocaleString('en-US')} events`);
  }
  for (let m = 0; m < 12; m++) {
    const [from, to] = [monthStart(m).toISOString(), monthStart(m + 1).toISOString()];
    const name = `audit_logs_p${from.slice(0, 4)}${from.slice(5, 7)}`;
    await owner.query(`create table public.${name} (like public.audit_logs including defaults including constraints)`);
    // Same rows, ids, times and seq.
    await owner.query(
      `insert into public.${name} select * from bench_timeline.audit_logs_flat where created_at >= $1 and created_at < $2`,
      [from, to],
    );
    await owner.query(`alter table public.${name} add check (created_at >= '${from}' and created_at < '${to}')`);
    await owner.query(
      `alter table public.audit_logs attach partition public.${name} for values from ('${from}') to ('${to}')`,
    );
    progress(`partitioned: month ${m + 1} of 12 attached`);
  }
  progress('indexing the copy, analyzing both');
  await owner.query(flatIndexesSql);
  await owner.query('analyze bench_timeline.audit_logs_flat');
  await owner.query('analyze public.audit_logs');
  return (Date.now() - started) / 1000;
}
