/**
 * What the audit ledger costs, on one server in one run:
 * 1. single-row write transactions and 2. bulk statements on skills with the
 *    design's statement-level change capture, without capture, and with a
 *    classic row-level trigger, interleaved in rounds (medians, ratios to
 *    untracked);
 * 3. sealing throughput over a million-event backlog, against the rate the
 *    events were written and the bare cost of hashing them;
 * 4. verification throughput over the sealed chains, against a plain
 *    streamed read of the same rows, with the process's peak memory.
 * Usage: npm run bench:audit -- [--events N] [--rows N] [--rounds N] [--bulk-rounds N] [--ops N]
 * (also --warmup, --tenants, --skills, --seal-batch, and --compare-sealing to also seal the same events
 * with the row-by-row loop that set-based sealing replaced, and --ledger-only to skip parts 1 and 2). Progress goes to stderr, the report to stdout.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { openRawPool, type RawPool } from '@skillhub/db/bench';
import { measureBulkWrites } from './audit/bulk-writes.ts';
import { captureModes, installBenchTriggers, setCaptureMode } from './audit/capture-modes.ts';
import { measureLedger } from './audit/ledger-benchmarks.ts';
import { printBulk, printSingleRow } from './audit/print-report.ts';
import { measureSingleRowWrites, type SingleRowOperation, singleRowTitles } from './audit/single-row-writes.ts';
import { appPool } from './audit/tenant-transaction.ts';
import { openBenchDatabase } from './lib/bench-database.ts';
import { positiveInteger } from './lib/positive-integer.ts';

const { values: flags } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    rows: { type: 'string', default: '100000' },
    rounds: { type: 'string', default: '5' },
    'bulk-rounds': { type: 'string', default: '3' },
    ops: { type: 'string', default: '1000' },
    warmup: { type: 'string', default: '200' },
    tenants: { type: 'string', default: '100' },
    skills: { type: 'string', default: '1000' },
    'seal-batch': { type: 'string', default: '10000' },
    'compare-sealing': { type: 'boolean', default: false },
    'ledger-only': { type: 'boolean', default: false },
  },
});
const positive = (name: Exclude<keyof typeof flags, 'compare-sealing' | 'ledger-only'>) =>
  positiveInteger(name, flags[name]);
const config = {
  events: positive('events'),
  rows: positive('rows'),
  rounds: positive('rounds'),
  bulkRounds: positive('bulk-rounds'),
  ops: positive('ops'),
  warmup: positive('warmup'),
  tenants: positive('tenants'),
  skillsPerTenant: positive('skills'),
  sealBatch: positive('seal-batch'),
  explainSamples: 200,
  modes: captureModes,
};
const progress = (message: string) => process.stderr.write(`· ${message}\n`);
const n = (value: number) => value.toLocaleString('en-US');

/** As the owner: the tenants, `skills` skills each (skill-1..skill-N), and an empty tenant for bulk writes. */
async function loadTenants(owner: RawPool): Promise<{ tenantIds: string[]; bulkTenantId: string }> {
  await setCaptureMode(owner, 'public.skills', 'none');
  const { rows } = await owner.query<{ id: string }>(
    `insert into tenants (id, name, slug)
     select 'bench-' || lpad(g::text, 4, '0'), 'Bench tenant ' || g, 'bench-' || lpad(g::text, 4, '0')
     from generate_series(1, $1::int) g
     returning id`,
    [config.tenants],
  );
  const tenantIds = rows.map((r) => r.id);
  await owner.query(`insert into tenants (id, name, slug) values ('bench-bulk', 'Bench bulk writes', 'bench-bulk')`);
  await owner.query(
    `insert into skills (tenant_id, slug, name, description, content, tags, visibility, created_at, updated_at)
     select t.id, 'skill-' || r, 'Skill ' || r, 'What skill ' || r || ' is for, in one sentence.',
            repeat('Step ' || r || ': do the next thing carefully. ', 4), array['bench', 'topic-' || (r % 10)],
            (array['private', 'internal', 'public'])[1 + r % 3], now() - interval '400 days',
            now() - random() * interval '365 days'
     from unnest($1::text[]) as t (id) cross join generate_series(1, $2::int) r`,
    [tenantIds, config.skillsPerTenant],
  );
  await owner.query('vacuum analyze tenants, skills');
  return { tenantIds, bulkTenantId: 'bench-bulk' };
}

async function main(): Promise<void> {
  const started = Date.now();
  progress('starting PostgreSQL and migrating a fresh database');
  // No timed checkpoint lands at random in a measurement: the benchmark takes its own between phases.
  const bench = await openBenchDatabase({
    shared_buffers: '2GB',
    max_wal_size: '16GB',
    checkpoint_timeout: '1h',
    max_connections: '50',
  });
  const owner = openRawPool({ connectionString: bench.ownerUrl, max: 2 });
  const app = appPool(openRawPool({ connectionString: bench.appUrl, max: 2 }), bench.contextKey);
  try {
    progress(`loading ${n(config.tenants)} tenants × ${n(config.skillsPerTenant)} skills`);
    await installBenchTriggers(owner);
    const { tenantIds, bulkTenantId } = await loadTenants(owner);
    const server = await owner.query<Record<string, string>>(
      `select current_setting('server_version') as version, current_setting('shared_buffers') as shared_buffers,
              current_setting('fsync') as fsync, current_setting('synchronous_commit') as synchronous_commit,
              current_setting('wal_level') as wal_level, current_setting('checkpoint_timeout') as checkpoint_timeout`,
    );
    const s = server.rows[0] ?? {};
    console.log('audit benchmark: change capture, sealing and verification of the audit ledger');
    console.log(
      `  PostgreSQL ${s.version} (${bench.where}); shared_buffers ${s.shared_buffers}, fsync ${s.fsync}, synchronous_commit ${s.synchronous_commit}, wal_level ${s.wal_level}, checkpoint_timeout ${s.checkpoint_timeout} (a checkpoint before each part instead)`,
    );
    console.log(`  Node ${process.version}, ${os.cpus().length} CPUs; ${os.cpus()[0]?.model ?? ''}`);
    console.log(
      `  public.skills holds ${n(config.tenants)} tenants × ${n(config.skillsPerTenant)} skills; writes run as the runtime role (RLS on) in transactions shaped like db.withTenant(): BEGIN, the signed tenant context, statement, COMMIT`,
    );

    console.log(
      `\n1. single-row write transactions: ${config.rounds} interleaved rounds × ${n(config.ops)} transactions per variant after ${n(config.warmup)} warm-up; one connection, random tenant per transaction`,
    );
    console.log(
      `   "in PG" columns: median of ${config.explainSamples} explain analyze of the statement alone (no round trip, no commit)`,
    );
    for (const operation of (flags['ledger-only'] ? [] : ['insert', 'update']) as SingleRowOperation[]) {
      progress(singleRowTitles[operation]);
      await owner.query('checkpoint');
      const figures = await measureSingleRowWrites(
        { owner, app },
        {
          operation,
          modes: config.modes,
          tenantIds,
          skillsPerTenant: config.skillsPerTenant,
          rounds: config.rounds,
          ops: config.ops,
          warmup: config.warmup,
          explainSamples: config.explainSamples,
          onProgress: progress,
        },
      );
      printSingleRow(singleRowTitles[operation], figures);
    }

    const explainRows = Math.max(1, Math.floor(config.rows / 10));
    if (!flags['ledger-only']) {
      console.log(
        `\n2. bulk statements: INSERT … SELECT generate_series of ${n(config.rows)} skills, then UPDATE of all ${n(config.rows)}, each its own transaction; ${config.bulkRounds} interleaved rounds (medians) after a warm-up at a tenth of the size; the ledger is emptied, skills vacuumed and a checkpoint taken before each`,
      );
      progress('bulk writes');
      const bulk = await measureBulkWrites(
        { owner, app },
        {
          tenantId: bulkTenantId,
          modes: config.modes,
          rows: config.rows,
          rounds: config.bulkRounds,
          explainRows,
          onProgress: progress,
        },
      );
      printBulk(explainRows, bulk);
    }

    await measureLedger(
      { owner, ownerUrl: bench.ownerUrl, appUrl: bench.appUrl, contextKey: bench.contextKey },
      {
        tenantIds,
        events: config.events,
        sealBatch: config.sealBatch,
        compareSealing: flags['compare-sealing'],
        onProgress: progress,
      },
    );
    console.log(`\ntotal ${((Date.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    await setCaptureMode(owner, 'public.skills', 'statement').catch(() => {});
    await app.pool.end();
    await owner.end();
    await bench.close();
  }
}

await main();
