/**
 * What the login throttle costs once security_events is large:
 * platform.should_block_login(email, ip, tenant) over 5,000,000 sign-in
 * events (10,000 users, 50,000 client IPs, the last 24 hours) against the
 * same calls on an empty table, on one server in one run, interleaved.
 * Usage: npm run bench:login -- [--events N] [--emails N] [--ips N] [--tenants N]
 * (also --rounds, --ops, --warmup, --server-calls). Progress goes to stderr, the report to stdout.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { withDatabase } from '@skillhub/db';
import { openRawPool, type RawPool } from '@skillhub/db/bench';
import { openBenchDatabase } from './lib/bench-database.ts';
import { runInterleaved } from './lib/interleaved-rounds.ts';
import { positiveInteger } from './lib/positive-integer.ts';
import { loadEvents, loadTenants, type Population } from './login/load-events.ts';
import { printResults } from './login/print-results.ts';
import { describeQuestions, serverMicrosInRounds, throttleVariant } from './login/throttle-calls.ts';
import { prewarm } from './tenant-context/buffer-stats.ts';

const { values: flags } = parseArgs({
  options: {
    events: { type: 'string', default: '5000000' },
    emails: { type: 'string', default: '10000' },
    ips: { type: 'string', default: '50000' },
    tenants: { type: 'string', default: '4' },
    rounds: { type: 'string', default: '5' },
    ops: { type: 'string', default: '2000' },
    warmup: { type: 'string', default: '500' },
    'server-calls': { type: 'string', default: '2000' },
  },
});
const config = {
  events: positiveInteger('events', flags.events),
  emails: positiveInteger('emails', flags.emails),
  ips: positiveInteger('ips', flags.ips),
  tenants: positiveInteger('tenants', flags.tenants),
  rounds: positiveInteger('rounds', flags.rounds),
  ops: positiveInteger('ops', flags.ops),
  warmup: positiveInteger('warmup', flags.warmup),
  serverCalls: positiveInteger('server-calls', flags['server-calls']),
};
const progress = (message: string) => process.stderr.write(`· ${message}\n`);
const n = (value: number) => value.toLocaleString('en-US');
const databaseOf = (url: string) => decodeURIComponent(new URL(url).pathname.slice(1));

async function main(): Promise<void> {
  const started = Date.now();
  progress('starting PostgreSQL and migrating a fresh database');
  const bench = await openBenchDatabase({
    shared_buffers: '2GB',
    maintenance_work_mem: '512MB',
    max_wal_size: '8GB',
    max_connections: '50',
  });
  const loaded = databaseOf(bench.ownerUrl);
  const empty = `${loaded}_empty`;
  const admin = openRawPool({ connectionString: withDatabase(bench.ownerUrl, 'postgres'), max: 1 });
  try {
    const setup = openRawPool({ connectionString: bench.ownerUrl, max: 1 });
    const tenantIds = await loadTenants(setup, config.tenants);
    await setup.end();
    // The baseline: the same schema, tenants and settings, and no events.
    await admin.query(`create database ${empty} template ${loaded}`);
    const population: Population = { tenantIds, emails: config.emails, ips: config.ips };
    progress(`loading ${n(config.events)} security events`);
    const load = openRawPool({ connectionString: bench.ownerUrl, max: 1 });
    const loadSeconds = await loadEvents(load, population, config.events, progress).finally(() => load.end());
    await measure(
      {
        // As the owner: only it may name the tenant outside a tenant context (migration 0035).
        loaded: bench.ownerUrl,
        empty: withDatabase(bench.ownerUrl, empty),
        owner: bench.ownerUrl,
        emptyOwner: withDatabase(bench.ownerUrl, empty),
      },
      population,
      { where: bench.where, loadSeconds, started },
    );
  } finally {
    await admin.query(`drop database if exists ${empty} with (force)`).catch(() => {});
    await admin.end();
    await bench.close();
  }
}

async function measure(
  urls: { loaded: string; empty: string; owner: string; emptyOwner: string },
  population: Population,
  run: { where: string; loadSeconds: number; started: number },
): Promise<void> {
  const owner = openRawPool({ connectionString: urls.owner, max: 1 });
  const loaded = openRawPool({ connectionString: urls.loaded, max: 1 });
  const empty = openRawPool({ connectionString: urls.empty, max: 1 });
  try {
    const emptyOwner = openRawPool({ connectionString: urls.emptyOwner, max: 1 });
    const tables = ['security_events', 'site_settings'];
    // Both prewarmed, whatever the first answers; the empty copy's pool ends either way (the copy is
    // dropped with force at the end, which would kill a connection left open).
    const warmed = await Promise.all([prewarm(owner, tables), prewarm(emptyOwner, tables)])
      .then((both) => both.every(Boolean))
      .finally(() => emptyOwner.end());
    await printHeader(owner, population, { ...run, warmed });
    const plans = await describeQuestions(owner, population);
    console.log(`\n  plans on the loaded table (one attempt's values):\n${plans.map((p) => `    ${p}`).join('\n')}`);

    progress('round trips, interleaved');
    const results = await runInterleaved(
      [
        throttleVariant('loaded', `(a) ${n(config.events)} events`, loaded, population),
        throttleVariant('empty', '(b) empty table', empty, population),
      ],
      { rounds: config.rounds, opsPerRound: config.ops, warmupOps: config.warmup, onProgress: progress },
    );
    progress('time inside PostgreSQL, interleaved');
    const server = await serverMicrosInRounds(
      [
        ['loaded', loaded],
        ['empty', empty],
      ],
      population,
      { calls: config.serverCalls, rounds: config.rounds },
    );
    printResults(results, server);
    console.log(`\ntotal ${((Date.now() - run.started) / 1000).toFixed(0)} s`);
  } finally {
    await Promise.all([owner.end(), loaded.end(), empty.end()]);
  }
}

async function printHeader(
  owner: RawPool,
  population: Population,
  run: { where: string; loadSeconds: number; warmed: boolean },
): Promise<void> {
  const { rows } = await owner.query<Record<string, string>>(
    `select current_setting('server_version') as version, current_setting('shared_buffers') as shared_buffers,
            pg_size_pretty(pg_table_size('security_events')) as heap,
            pg_size_pretty(pg_indexes_size('security_events')) as indexes,
            (select count(*) from security_events where event_type = 'login_failed'
               and created_at > now() - interval '15 minutes') as failures_in_window`,
  );
  const s = rows[0] ?? {};
  console.log('login benchmark: platform.should_block_login over a large security_events vs an empty one');
  console.log(`  PostgreSQL ${s.version} (${run.where}); shared_buffers ${s.shared_buffers}`);
  console.log(`  Node ${process.version}, ${os.cpus().length} CPUs; ${os.cpus()[0]?.model ?? ''}`);
  console.log(
    `  ${n(config.events)} events (30% login_failed, 70% login_success, over 24 h) for ${n(population.emails)} users in ${population.tenantIds.length} tenants from ${n(population.ips)} IPs, loaded in ${run.loadSeconds.toFixed(0)} s; table ${s.heap} + indexes ${s.indexes}; ${n(Number(s.failures_in_window ?? 0))} failures inside the 15-minute window`,
  );
  console.log(
    `  ${config.rounds} interleaved rounds × ${n(config.ops)} calls after ${n(config.warmup)} warm-up calls per variant; in-PG time from EXPLAIN ANALYZE over ${n(config.serverCalls)} calls per round; the baseline is a copy of the same database made before the load`,
  );
  console.log(
    `  ${run.warmed ? 'security_events and site_settings prewarmed into shared buffers in both databases (pg_prewarm)' : 'pg_prewarm unavailable: caches warm up during the warm-up calls only'}`,
  );
}

await main();
