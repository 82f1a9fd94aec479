import type { RawPool } from '@skillhub/db/bench';

export interface GenerateOptions {
  tenantIds: string[];
  events: number;
  /** Numbers the events from here, so a later call adds new events rather than copies. */
  first?: number;
  /** Events per transaction; each transaction gets its own transaction id, as writers do. */
  perTransaction: number;
  onProgress?: (message: string) => void;
}

// 1,000 realistic skill records (old and new versions), built once, so that
// generating a million events costs the ledger insert rather than jsonb building.
const templatesSql = `
  create table if not exists bench_audit.event_templates as
  select k, md5(k::text)::uuid as resource_id, md5('actor' || (k % 500))::uuid::text as actor_id,
         ('10.0.' || (k % 250) || '.' || (k % 200))::inet as ip, old, old || jsonb_build_object(
           'description', 'Revised: what skill ' || k || ' is for, in one sentence.',
           'updated_at', now()) as new
  from generate_series(0, 999) k
  cross join lateral (select jsonb_build_object('tenant_id', 'bench-0001', 'id', md5(k::text)::uuid,
    'slug', 'skill-' || k, 'name', 'Skill ' || k, 'description', 'What skill ' || k || ' is for, in one sentence.',
    'content', repeat('Step ' || k || ': do the next thing carefully. ', 4),
    'tags', jsonb_build_array('bench', 'topic-' || (k % 10)), 'author_id', null, 'visibility', 'internal',
    'latest_version', 3, 'rating_count', k % 50, 'rating_sum', k % 200,
    'created_at', now() - interval '30 days', 'updated_at', now() - interval '1 day') as old) o`;

/**
 * As the owner, fills the ledger with `events` events spread round-robin
 * over the tenants: half row changes of skills (old and new record of a
 * realistic skill row, changed_fields), half application events (metadata).
 * Returns the seconds the inserts took, the "write rate" baseline for sealing.
 */
export async function generateEvents(
  owner: RawPool,
  options: GenerateOptions,
): Promise<{ seconds: number; transactions: number }> {
  await owner.query(templatesSql);
  let transactions = 0;
  let seconds = 0;
  const start = options.first ?? 1;
  const end = start + options.events - 1;
  for (let first = start; first <= end; first += options.perTransaction) {
    const last = Math.min(end, first + options.perTransaction - 1);
    const t0 = process.hrtime.bigint();
    await owner.query(
      `insert into audit_logs (tenant_id, actor_type, actor_id, action, resource_type, resource_id, ip_address,
         request_id, metadata, operation, table_name, old_record, new_record, changed_fields)
       select ($3::text[])[1 + g % cardinality($3::text[])], 'user', t.actor_id,
              case when change then 'skills.update' else 'skill.updated' end,
              case when change then 'skills' else 'skill' end, t.resource_id::text, t.ip, 'req-' || g,
              case when change then '{}'::jsonb else '{"fields": ["description"], "source": "api"}'::jsonb end,
              case when change then 'UPDATE'::audit.operation end, case when change then 'skills' end,
              case when change then t.old end, case when change then t.new end,
              case when change then array['description', 'updated_at'] end
       from generate_series($1::bigint, $2::bigint) g
       cross join lateral (select g % 2 = 0 as change) c
       join bench_audit.event_templates t on t.k = g % 1000`,
      [first, last, options.tenantIds],
    );
    seconds += Number(process.hrtime.bigint() - t0) / 1e9;
    transactions += 1;
    options.onProgress?.(
      `  generated ${(last - start + 1).toLocaleString('en-US')}/${options.events.toLocaleString('en-US')} events`,
    );
  }
  return { seconds, transactions };
}
