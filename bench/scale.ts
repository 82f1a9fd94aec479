/**
 * Skillhub at scale: loads tenants, skills and ledger events in bulk (as the
 * owner), seals the whole ledger with the real sealing function, then
 * measures what a tenant feels at that size, each against a baseline taken
 * in the same run: the skill list under RLS against the owner's same query
 * without it, one tenant's audit timeline (first page and a deep page), the
 * login throttle against a bare round trip, sealing and verification
 * throughput against the bulk write rate, and the bytes the ledger and the
 * catalog take per million rows.
 * Usage: npm run bench:scale -- [--tenants N] [--skills N] [--events N] (totals, not per tenant)
 * (also --users, --rounds, --ops, --warmup, --depth, --verify-tenants, --keep with BENCH_DATABASE_URL).
 * `--stand-in-seals` seals the bulk with stand-in hashes in one statement (no hash computed, no
 * tree: hours less at tens of millions of events), then loads the ledger of `--real-tenants`
 * tenants (spread over the rest) into the full ledger with its indexes in place and seals those
 * events with the real function: sealing is measured on them, at full size, and so is verification.
 * `--attach OWNER_URL --app-url APP_URL` measures the reads, verification and sizes of a database an
 * earlier run loaded (kept, or still sealing) without loading anything.
 * Progress goes to stderr, the report to stdout.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { Database, readContextKey } from '@skillhub/db';
import { openRawPool } from '@skillhub/db/bench';
import { sealInCalls, timedVerify } from './audit/seal-and-verify.ts';
import { appPool } from './audit/tenant-transaction.ts';
import { openBenchDatabase } from './lib/bench-database.ts';
import { median, percentile } from './lib/interleaved-rounds.ts';
import { positiveInteger } from './lib/positive-integer.ts';
import { formatRate, formatRatio, formatTable } from './lib/print-table.ts';
import { standInSealsSql } from './lib/stand-in-seals.ts';
import { printSizes, spreadSample } from './scale/ledger-figures.ts';
import { loadCatalogAtScale } from './scale/load-catalog-at-scale.ts';
import { loadLedgerAtScale } from './scale/load-ledger-at-scale.ts';
import { measureReads } from './scale/measure-reads.ts';
import type { Population } from './scale/read-variants.ts';

const { values: flags } = parseArgs({
  options: {
    tenants: { type: 'string', default: '10000' },
    skills: { type: 'string', default: '10000000' },
    events: { type: 'string', default: '50000000' },
    users: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '7' },
    ops: { type: 'string', default: '200' },
    warmup: { type: 'string', default: '100' },
    depth: { type: 'string' },
    'verify-tenants': { type: 'string', default: '50' },
    'stand-in-seals': { type: 'boolean', default: false },
    'real-tenants': { type: 'string', default: '200' },
    keep: { type: 'boolean', default: false },
    attach: { type: 'string' },
    'app-url': { type: 'string' },
  },
});
const positive = (name: Exclude<keyof typeof flags, 'keep' | 'depth' | 'attach' | 'app-url' | 'stand-in-seals'>) =>
  positiveInteger(name, flags[name]);
const config = {
  tenants: positive('tenants'),
  skillsPerTenant: Math.max(21, Math.round(positive('skills') / positive('tenants'))),
  eventsPerTenant: Math.max(100, Math.round(positive('events') / positive('tenants'))),
  usersPerTenant: positive('users'),
  rounds: positive('rounds'),
  ops: positive('ops'),
  warmup: positive('warmup'),
  depth: 0,
  verifyTenants: positive('verify-tenants'),
  standInSeals: flags['stand-in-seals'] ?? false,
  realTenants: positive('real-tenants'),
};
// The size issue #12 asks for, to extrapolate this run's rates to.
// A deep page: by default halfway down a tenant's timeline.
config.depth = flags.depth ? positiveInteger('depth', flags.depth) : Math.floor(config.eventsPerTenant / 2);
const target = { tenants: 10_000, skills: 10_000_000, events: 50_000_000 };
const progress = (message: string) => process.stderr.write(`· ${message}\n`);
const n = (value: number) => Math.round(value).toLocaleString('en-US');
const minutes = (seconds: number) => `${(seconds / 60).toFixed(1)} min`;

/**
 * `--attach`: reads, verification of the first `--verify-tenants` chains
 * (the first sealed) and sizes of a database loaded by an earlier run.
 */
async function attach(ownerUrl: string, appUrl: string): Promise<void> {
  const contextKey = await readContextKey(ownerUrl);
  const owner = openRawPool({ connectionString: ownerUrl, max: 1 });
  const app = openRawPool({ connectionString: appUrl, max: 1 });
  const db = await Database.open({ url: appUrl, contextKey, maxConnections: 1 });
  try {
    const { rows } = await owner.query<{ id: string }>(`select id from tenants where id like 'scale-%' order by id`);
    const tenantIds = rows.map((r) => r.id);
    const counts = await owner.query<Record<string, string>>(
      `select (select count(*) from skills) as skills, (select count(*) from audit_logs) as events,
              (select count(*) from audit.seals) as sealed, current_setting('server_version') as version`,
    );
    const c = counts.rows[0] ?? {};
    console.log('scale benchmark, attached to a loaded database');
    console.log(
      `  PostgreSQL ${c.version}; Node ${process.version}, ${os.cpus().length} CPUs; load ${os.loadavg()[0]?.toFixed(1)}`,
    );
    console.log(
      `  ${n(tenantIds.length)} tenants, ${n(Number(c.skills))} skills, ${n(Number(c.events))} events, ${n(Number(c.sealed))} sealed`,
    );
    let verified = 0;
    let seconds = 0;
    for (const tenantId of tenantIds.slice(0, config.verifyTenants)) {
      const figures = await timedVerify(ownerUrl, { tenantId });
      if (!figures.result.intact) throw new Error(`the chain of ${tenantId} does not verify`);
      verified += figures.result.events;
      seconds += figures.seconds;
    }
    console.log(
      `\n2. verifyAuditChain over ${config.verifyTenants} tenant chains: ${n(verified)} events in ${seconds.toFixed(1)} s, ${formatRate(verified / seconds)} events/s`,
    );
    await measureReads(
      { db, app: appPool(app, contextKey), owner, population: { tenantIds, usersPerTenant: config.usersPerTenant } },
      { rounds: config.rounds, ops: config.ops, warmup: config.warmup, depth: config.depth, onProgress: progress },
    );
    await printSizes(owner);
  } finally {
    await db.close();
    await Promise.all([owner.end(), app.end()]);
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)} s`;
  progress('starting PostgreSQL and migrating a fresh database');
  const bench = await openBenchDatabase(
    { shared_buffers: '2GB', max_wal_size: '8GB', checkpoint_timeout: '1h', max_connections: '50' },
    { keep: flags.keep },
  );
  // Loading runs on one connection that fires no trigger (replica role) and sorts in a large memory budget.
  const loader = openRawPool({
    connectionString: bench.ownerUrl,
    max: 1,
    options: '-c session_replication_role=replica -c maintenance_work_mem=1GB',
  });
  const owner = openRawPool({ connectionString: bench.ownerUrl, max: 1 });
  const app = openRawPool({ connectionString: bench.appUrl, max: 1 });
  const db = await Database.open({ url: bench.appUrl, contextKey: bench.contextKey, maxConnections: 1 });
  try {
    const say = (m: string) => progress(`${m} (${elapsed()})`);
    // The migrations' own system events (0044 records the partitioning): sealed first, so that what is sealed
    // below is exactly what is loaded.
    await db.sealCommittedAuditEvents();
    const catalog = await loadCatalogAtScale(
      loader,
      { tenants: config.tenants, usersPerTenant: config.usersPerTenant, skillsPerTenant: config.skillsPerTenant },
      say,
    );
    const skills = config.tenants * config.skillsPerTenant;
    const events = config.tenants * config.eventsPerTenant;
    // With stand-in seals, the tenants whose events the real sealer seals (and verification checks).
    const realTenants = config.standInSeals ? spreadSample(catalog.tenantIds, config.realTenants) : catalog.tenantIds;
    const bulkTenants = config.standInSeals
      ? catalog.tenantIds.filter((id) => !realTenants.includes(id))
      : catalog.tenantIds;
    const ledger = await loadLedgerAtScale(
      loader,
      { tenantIds: bulkTenants, ...config, skillsPerTenant: config.skillsPerTenant },
      say,
    );
    const bulkEvents = bulkTenants.length * config.eventsPerTenant;
    say('vacuum analyze, checkpoint');
    const vacuumStart = Date.now();
    await loader.query('vacuum analyze tenants, users, site_settings, skills, audit_logs, security_events');
    await loader.query('checkpoint');
    const vacuumSeconds = (Date.now() - vacuumStart) / 1000;

    let standIn: { seconds: number; tailSeconds: number } | null = null;
    if (config.standInSeals) {
      say(`stand-in seals for the ${n(bulkEvents)} bulk events, one statement`);
      const t0 = Date.now();
      await loader.query(standInSealsSql());
      const seconds = (Date.now() - t0) / 1000;
      await loader.query('vacuum analyze audit.seals');
      say(`loading ${n(realTenants.length)} more tenants' events into the full ledger, indexes in place`);
      const tail = await loadLedgerAtScale(
        loader,
        { tenantIds: realTenants, ...config, skillsPerTenant: config.skillsPerTenant, indexesInPlace: true },
        say,
      );
      await loader.query('analyze audit_logs, security_events');
      standIn = { seconds, tailSeconds: tail.seconds };
    }
    const realEvents = realTenants.length * config.eventsPerTenant;
    // The rate the sealed events were written at: the bulk load, or the load with indexes in place.
    const writeSeconds = standIn ? standIn.tailSeconds : ledger.seconds;

    say(`sealing ${n(realEvents)} events, 10,000 per call, as the server's sealer does`);
    const sealing = await sealInCalls(bench.appUrl, 10_000, say);
    if (sealing.sealed !== realEvents) throw new Error(`sealed ${sealing.sealed} of ${realEvents} events`);
    await loader.query('vacuum analyze audit.seals');

    const sample = spreadSample(realTenants, config.verifyTenants);
    say(`verifying the chains of ${sample.length} tenants`);
    let verified = 0;
    let verifySeconds = 0;
    for (const tenantId of sample) {
      const figures = await timedVerify(bench.ownerUrl, { tenantId });
      if (!figures.result.intact) throw new Error(`the chain of ${tenantId} does not verify`);
      verified += figures.result.events;
      verifySeconds += figures.seconds;
    }

    const server = await owner.query<Record<string, string>>(
      `select current_setting('server_version') as version, current_setting('shared_buffers') as shared_buffers,
              pg_size_pretty(pg_database_size(current_database())) as size`,
    );
    const s = server.rows[0] ?? {};
    console.log('scale benchmark: Skillhub with many tenants, a large catalog and a large ledger');
    console.log(`  PostgreSQL ${s.version} (${bench.where}); shared_buffers ${s.shared_buffers}; database ${s.size}`);
    console.log(
      `  Node ${process.version}, ${os.cpus().length} CPUs; ${os.cpus()[0]?.model ?? ''}; load ${os.loadavg()[0]?.toFixed(1)}`,
    );
    console.log(
      `  ${n(config.tenants)} tenants × (${config.usersPerTenant} users, ${n(config.skillsPerTenant)} skills, ${n(config.eventsPerTenant)} ledger events) = ${n(skills)} skills, ${n(events)} events (${n(events / 10)} of them sign-ins with their security_events row)`,
    );

    const loadRows = [
      [
        'catalog (tenants, users, skills; indexes built after)',
        `${catalog.seconds.toFixed(0)} s`,
        `${formatRate(skills / catalog.seconds)} skills/s`,
      ],
      [
        'ledger (events and sign-ins; indexes built after)',
        `${ledger.seconds.toFixed(0)} s`,
        `${formatRate(bulkEvents / ledger.seconds)} events/s`,
      ],
      ['vacuum analyze, checkpoint', `${vacuumSeconds.toFixed(0)} s`, ''],
      ...(standIn
        ? [
            [
              'stand-in seals of the bulk (one statement, no hash, no tree)',
              `${standIn.seconds.toFixed(0)} s`,
              `${formatRate(bulkEvents / standIn.seconds)} events/s`,
            ],
            [
              `${n(realTenants.length)} tenants' ledger into the full one, indexes in place`,
              `${standIn.tailSeconds.toFixed(0)} s`,
              `${formatRate(realEvents / standIn.tailSeconds)} events/s`,
            ],
          ]
        : []),
      [
        'sealing, audit.seal_pending(10000) as the runtime role',
        `${sealing.seconds.toFixed(0)} s`,
        `${formatRate(realEvents / sealing.seconds)} events/s`,
      ],
    ];
    console.log(
      `\n1. loading (bulk, as the owner) and sealing (the real function${standIn ? `, ${n(realEvents)} events of ${n(realTenants.length)} tenants; the rest has stand-in seals` : ''})`,
    );
    console.log(formatTable(loadRows));
    const projected =
      (target.skills / skills) * catalog.seconds +
      (target.events / events) * (ledger.seconds + vacuumSeconds) +
      (target.events / realEvents) * sealing.seconds;
    console.log(
      `  extrapolated linearly to ${n(target.tenants)} tenants, ${n(target.skills)} skills and ${n(target.events)} events: ${minutes(projected)} of loading and sealing`,
    );

    const plans = appPool(app, bench.contextKey);
    const population: Population = { tenantIds: catalog.tenantIds, usersPerTenant: config.usersPerTenant };
    const sealRate = realEvents / sealing.seconds;
    const verifyRate = verified / verifySeconds;
    const writeRate = realEvents / writeSeconds;
    console.log('\n2. ledger throughput');
    console.log(
      formatTable([
        ['', 'events', 'seconds', 'events/s', '÷ write'],
        [
          standIn ? 'write, indexes in place (the load above)' : 'bulk write (the load above)',
          n(realEvents),
          writeSeconds.toFixed(1),
          formatRate(writeRate),
          '1.00×',
        ],
        [
          'sealing (whole backlog, 10,000 per call)',
          n(sealing.sealed),
          sealing.seconds.toFixed(1),
          formatRate(sealRate),
          formatRatio(sealRate / writeRate),
        ],
        [
          `verifyAuditChain, ${sample.length} tenant chains`,
          n(verified),
          verifySeconds.toFixed(1),
          formatRate(verifyRate),
          formatRatio(verifyRate / writeRate),
        ],
      ]),
    );
    const calls = sealing.callMs;
    console.log(
      `  seal_pending(10000) calls: median ${median(calls).toFixed(0)} ms, p95 ${percentile(calls, 95).toFixed(0)} ms, ${calls.length} calls`,
    );

    await measureReads(
      { db, app: plans, owner, population },
      { rounds: config.rounds, ops: config.ops, warmup: config.warmup, depth: config.depth, onProgress: progress },
    );

    await printSizes(owner);
    console.log(`\ntotal ${elapsed()}`);
  } finally {
    await db.close();
    await Promise.all([loader.end(), owner.end(), app.end()]);
    await bench.close();
  }
}

if (flags.attach) {
  if (!flags['app-url']) throw new Error('--attach needs --app-url (the runtime role of that database)');
  await attach(flags.attach, flags['app-url']);
} else {
  await main();
}
