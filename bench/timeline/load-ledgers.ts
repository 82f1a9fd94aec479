import { ledgerHistoryBeforeSql, type RawPool } from '@skillhub/db/bench';

/**
 * Where the loaded events lie: twelve months from two years ago, each with
 * a partition of its own, all closed (so they can be ordered); the months
 * after them are free for the drop timings.
 */
const now = new Date();
export const firstMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 24, 1));
export const monthStart = (offset: number) =>
  new Date(Date.UTC(firstMonth.getUTCFullYear(), firstMonth.getUTCMonth() + offset, 1));

// The unpartitioned ledger as it stood before migration 0044: the same
// columns and the same indexes, key (id), no partitions.
const flatSql = `
  create schema if not exists bench_timeline;
  create table bench_timeline.audit_logs_flat (like public.audit_logs including defaults including constraints);
  alter table bench_timeline.audit_logs_flat add primary key (id)`;
const ledgerIndexes = (table: string) => `
  create index on ${table} (tenant_id, created_at desc);
  create index on ${table} (actor_id, created_at desc);
  create index on ${table} (action, created_at desc);
  create index on ${table} using brin (created_at);
  create index on ${table} (txid, seq)`;

/** The partitioned ledger as written, kept beside the one whose closed months get ordered: same rows, same layout. */
export const writtenLedger = 'bench_timeline.audit_logs_written';
const writtenSql = `
  create table ${writtenLedger} (like public.audit_logs including defaults including constraints,
    primary key (id, created_at)) partition by range (created_at);
  ${ledgerIndexes(writtenLedger)}`;

// Events k = $4 .. $4 + $5 - 1 of $6: tenant k % tenants, times spread
// evenly over [$1, $2) by k across all $6 (so that chunks loaded one after
// another continue in time, and consecutive events belong to different
// tenants, as they arrive), 100-200 bytes of metadata, as application events look.
export const eventsSelect = (target: string) => `
  insert into ${target} (id, txid, seq, tenant_id, actor_type, actor_id, action, resource_type, resource_id,
                         ip_address, request_id, metadata, created_at)
  select gen_random_uuid(), pg_current_xact_id(), k, 't-' || lpad((k % $3::int)::text, 6, '0'), 'user',
         'user-' || (k % 997), (array['skill.viewed', 'skill.updated', 'api_key.used', 'settings.read'])[1 + k % 4],
         'skill', md5(k::text), ('10.0.' || (k % 250) || '.' || (k % 200))::inet, 'req-' || k,
         jsonb_build_object('source', 'api', 'user_agent', 'skillhub-cli/0.1 (linux; x64) node/20', 'n', k),
         $1::timestamptz + ($2::timestamptz - $1::timestamptz) * ((k - 1)::float8 / $6::bigint)
  from generate_series($4::bigint, $4::bigint + $5::bigint - 1) k`;

/**
 * Fills one month partition of `parent` from the copy: a new table filled
 * without indexes, then attached (PostgreSQL builds its share of every
 * index in one pass, and a CHECK constraint on the range spares ATTACH its
 * scan), or, for a month the product already made, filled in place.
 */
async function loadMonth(pool: RawPool, parent: string, schema: string, m: number): Promise<void> {
  const [from, to] = [monthStart(m).toISOString(), monthStart(m + 1).toISOString()];
  const name = `${schema}.audit_logs_p${from.slice(0, 4)}${from.slice(5, 7)}`;
  const rows = `select * from bench_timeline.audit_logs_flat where created_at >= $1 and created_at < $2 order by created_at`;
  // One connection throughout: the session setting below must hold for the insert.
  const owner = await pool.connect();
  try {
    const { rows: found } = await owner.query<{ r: string | null }>('select to_regclass($1)::text as r', [name]);
    if (found[0]?.r) {
      // As the other months are filled: without the ledger's row triggers (cloned onto the product's partition).
      await owner.query('set session_replication_role = replica');
      await owner.query(`insert into ${name} overriding system value ${rows}`, [from, to]);
      await owner.query('reset session_replication_role');
      return;
    }
    await owner.query(`create table ${name} (like ${parent} including defaults including constraints)`);
    await owner.query(`insert into ${name} ${rows}`, [from, to]);
    await owner.query(`alter table ${name} add check (created_at >= '${from}' and created_at < '${to}')`);
    await owner.query(`alter table ${parent} attach partition ${name} for values from ('${from}') to ('${to}')`);
  } finally {
    owner.release();
  }
}

/**
 * Loads `events` events over twelve months across `tenants` tenants into an
 * unpartitioned copy of the ledger, in chunks, then the same rows, in time
 * order as they were written, into the partitioned ledger and (with
 * `writtenCopy`) into a partitioned copy of it that stays as written, one month at a time (see
 * `loadMonth`). The ledger's history partition is first moved below the
 * loaded year. As the owner: the ledger has no INSERT trigger to slow a
 * bulk load (its guards fire on UPDATE, DELETE and TRUNCATE only), and row
 * level security does not apply to a superuser. The copy's indexes are
 * built after its rows. All are analyzed. Returns the load's seconds.
 */
export async function loadLedgers(
  owner: RawPool, // two connections: the load runs two statements at a time
  events: number,
  tenants: number,
  progress: (message: string) => void,
  options: { writtenCopy: boolean } = { writtenCopy: true },
): Promise<number> {
  const started = Date.now();
  await owner.query(ledgerHistoryBeforeSql(monthStart(0).toISOString(), 0));
  // The months from now on, which the history partition covered until it moved.
  await owner.query('select count(*) from audit.ensure_ledger_partitions(now(), 3)');
  await owner.query(flatSql);
  if (options.writtenCopy) await owner.query(writtenSql);
  // The workspaces the events name: sealing refuses an event whose workspace does not exist.
  await owner.query(
    `insert into tenants (id, name, slug)
     select 't-' || lpad(g::text, 6, '0'), 'Bench ' || g, 'bench-' || g from generate_series(0, $1::int - 1) g`,
    [tenants],
  );
  const chunk = 500_000;
  const starts: number[] = [];
  for (let done = 0; done < events; done += chunk) starts.push(done);
  // Two chunks at a time on two connections (two cores), each in a transaction whose id is taken before
  // the next one's, so (txid, seq) order stays the events' time order, as sealing expects of writes.
  for (let i = 0; i < starts.length; i += 2) {
    const pair = starts.slice(i, i + 2);
    const clients = await Promise.all(pair.map(() => owner.connect()));
    try {
      for (const client of clients) await client.query('begin; select pg_current_xact_id()');
      await Promise.all(
        pair.map((done, j) =>
          clients[j]?.query(eventsSelect('bench_timeline.audit_logs_flat'), [
            monthStart(0).toISOString(),
            monthStart(12).toISOString(),
            tenants,
            done + 1,
            Math.min(chunk, events - done),
            events,
          ]),
        ),
      );
      for (const client of clients) await client.query('commit');
    } finally {
      for (const client of clients) client.release();
    }
    const loaded = Math.min((pair.at(-1) ?? 0) + chunk, events);
    progress(`copy: ${loaded.toLocaleString('en-US')} of ${events.toLocaleString('en-US')} events`);
  }
  // Two months at a time (their ATTACHes wait for each other; the rest runs side by side).
  for (let m = 0; m < 12; m += 2) {
    await Promise.all(
      [m, m + 1].map(async (month) => {
        await loadMonth(owner, 'public.audit_logs', 'public', month);
        if (options.writtenCopy) await loadMonth(owner, writtenLedger, 'bench_timeline', month);
      }),
    );
    progress(`partitioned: months ${m + 1}-${m + 2} of 12 loaded`);
  }
  progress('indexing the copy, analyzing all three');
  await owner.query(ledgerIndexes('bench_timeline.audit_logs_flat'));
  await owner.query('analyze bench_timeline.audit_logs_flat');
  if (options.writtenCopy) await owner.query(`analyze ${writtenLedger}`);
  await owner.query('analyze public.audit_logs');
  return (Date.now() - started) / 1000;
}
