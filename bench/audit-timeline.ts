/**
 * The ledger partitioned by month (migration 0044) with its closed months
 * rewritten in tenant order (0056), the same partitioned ledger as written,
 * and the same events in an unpartitioned copy with the same indexes, in
 * one run: (a) one tenant's last 50 events, (b) one tenant's events in a
 * 30-day window, medians of interleaved rounds, with the shared buffers
 * each touches (EXPLAIN (ANALYZE, BUFFERS)); the time each month took to
 * order; then (c) a month leaving the partitioned ledger by DETACH + DROP
 * at two sizes, against DELETE of the same rows.
 * Usage: npm run bench:timeline -- [--events N] [--tenants N] [--drop-rows N] [--two-copies]
 * [--stand-in-seals] (also --rounds, --ops, --warmup, --samples). With --two-copies no second
 * partitioned copy is kept: the partitioned ledger is measured as written
 * (against the unpartitioned copy) before its months are ordered, and again
 * after, so the run needs two copies of the events on disk, not three (at
 * 50,000,000 events three do not fit on an 80 GB disk beside the seals).
 * With --stand-in-seals the months are sealed with stand-in hashes in one
 * statement a month (`standInSealsSql`) instead of by the real sealer
 * (~9,000 events/s here: 90 minutes at 50,000,000): the ordering door needs
 * every event sealed, and neither it nor the measured queries read a hash.
 * Progress goes to stderr, the report to stdout.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { Database } from '@skillhub/db';
import { openRawPool, type RawPool } from '@skillhub/db/bench';
import { openBenchDatabase } from './lib/bench-database.ts';
import { median, runInterleaved, type Variant } from './lib/interleaved-rounds.ts';
import { positiveInteger } from './lib/positive-integer.ts';
import { formatRatio, formatTable } from './lib/print-table.ts';
import { standInSealsSql } from './lib/stand-in-seals.ts';
import { timeMonthDrop } from './timeline/drop-month.ts';
import { loadLedgers, monthStart, writtenLedger } from './timeline/load-ledgers.ts';
import { type MonthOrdering, orderClosedMonths, orderNextMonth } from './timeline/order-months.ts';
import { medianBuffers } from './timeline/query-buffers.ts';

const { values: flags } = parseArgs({
  options: {
    events: { type: 'string', default: '2000000' },
    tenants: { type: 'string', default: '1000' },
    'drop-rows': { type: 'string', default: '50000' },
    rounds: { type: 'string', default: '5' },
    ops: { type: 'string', default: '200' },
    warmup: { type: 'string', default: '50' },
    samples: { type: 'string', default: '50' },
    'two-copies': { type: 'boolean', default: false },
    'stand-in-seals': { type: 'boolean', default: false },
  },
});
const config = {
  events: positiveInteger('events', flags.events),
  tenants: positiveInteger('tenants', flags.tenants),
  dropRows: positiveInteger('drop-rows', flags['drop-rows']),
  rounds: positiveInteger('rounds', flags.rounds),
  ops: positiveInteger('ops', flags.ops),
  warmup: positiveInteger('warmup', flags.warmup),
  samples: positiveInteger('samples', flags.samples),
  twoCopies: flags['two-copies'] ?? false,
  standInSeals: flags['stand-in-seals'] ?? false,
};
const progress = (message: string) => process.stderr.write(`· ${message}\n`);
const n = (value: number) => value.toLocaleString('en-US');

const columns = `id, tenant_id, actor_type, actor_id, action, resource_type, resource_id, host(ip_address), request_id,
  metadata, operation::text, table_name, old_record, new_record, changed_fields, created_at`;
// The console's queries (listAuditEvents): newest first, a page of 50 and one more to know whether a next exists.
const lastPage = (table: string) =>
  `select ${columns} from ${table} where tenant_id = $1 order by created_at desc, id desc limit 51`;
const windowPage = (table: string) =>
  `select ${columns} from ${table} where tenant_id = $1 and created_at >= $2::timestamptz
     and created_at < $2::timestamptz + interval '30 days' order by created_at desc, id desc limit 51`;

const tables = {
  ordered: 'public.audit_logs',
  // With --two-copies the product's ledger itself, measured before its months are ordered.
  written: config.twoCopies ? 'public.audit_logs' : writtenLedger,
  flat: 'bench_timeline.audit_logs_flat',
} as const;
type Layout = keyof typeof tables;
const layouts = Object.keys(tables) as Layout[];
const labels: Record<Layout, string> = {
  ordered: 'partitioned, closed months ordered',
  written: 'partitioned as written',
  flat: 'unpartitioned',
};
const queries = { last: lastPage, window: windowPage } as const;

const tenant = () => `t-${String(Math.floor(Math.random() * config.tenants)).padStart(6, '0')}`;
// A window start in the first eleven months, so the window lies within the loaded year.
const windowStart = () => new Date(monthStart(0).getTime() + Math.random() * 330 * 86_400_000).toISOString();
const paramsOf = { last: () => [tenant()], window: () => [tenant(), windowStart()] } as const;

function variants(owner: RawPool, measured: Layout[]): Variant[] {
  // Planned per query (an unnamed statement, as a pooler in transaction mode runs it), or prepared once per
  // connection and reused (as withTenant does on a direct connection; after five runs PostgreSQL may keep a
  // generic plan, which prunes partitions when it runs).
  const query = (text: string, params: () => unknown[], min: number, name?: string) => async () => {
    const { rowCount } = await owner.query({ name, text, values: params() });
    if ((rowCount ?? 0) < min) throw new Error(`expected at least ${min} rows, got ${rowCount}`);
  };
  const perWindow = Math.floor(((config.events / config.tenants) * 30) / 365);
  const windowRows = Math.min(51, Math.max(1, Math.floor(perWindow * 0.8)));
  return (['planned', 'prepared'] as const).flatMap((mode) =>
    measured.flatMap((layout) => {
      const name = (q: string) => (mode === 'prepared' ? `${q}-${layout}` : undefined);
      return [
        {
          key: `last-${layout}-${mode}`,
          label: `(a) last 50 — ${labels[layout]}, ${mode}`,
          run: query(lastPage(tables[layout]), paramsOf.last, 51, name('last')),
        },
        {
          key: `window-${layout}-${mode}`,
          label: `(b) 30-day window — ${labels[layout]}, ${mode}`,
          run: query(windowPage(tables[layout]), paramsOf.window, windowRows, name('window')),
        },
      ];
    }),
  );
}

const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(', ');

async function main(): Promise<void> {
  const started = Date.now();
  progress('starting PostgreSQL and migrating a fresh database');
  const bench = await openBenchDatabase({
    shared_buffers: '1GB',
    maintenance_work_mem: '512MB',
    max_wal_size: '8GB',
    max_connections: '50',
  });
  const owner = openRawPool({ connectionString: bench.ownerUrl, max: 2 });
  const db = await Database.open({ url: bench.appUrl, contextKey: bench.contextKey, maxConnections: 2 });
  const loadAtStart = load();
  try {
    const copies = config.twoCopies ? 2 : 3;
    progress(`loading ${n(config.events)} events over 12 months across ${n(config.tenants)} tenants, ${copies} times`);
    const loadSeconds = await loadLedgers(owner, config.events, config.tenants, progress, {
      writtenCopy: !config.twoCopies,
    });
    const interleaved = (measured: Layout[]) =>
      runInterleaved(variants(owner, measured), {
        rounds: config.rounds,
        opsPerRound: config.ops,
        warmupOps: config.warmup,
        onProgress: progress,
      });
    const bufferMedians = async (measured: Layout[], into: Map<string, number>) => {
      progress(`shared buffers per query, ${config.samples} samples each`);
      for (const layout of measured) {
        for (const q of ['last', 'window'] as const) {
          into.set(
            `${q}-${layout}`,
            await medianBuffers(owner, queries[q](tables[layout]), paramsOf[q], config.samples),
          );
        }
      }
    };
    const buffers = new Map<string, number>();
    // With two copies the ledger as written is measured now, before it is sealed and ordered.
    const asWritten = config.twoCopies ? await interleaved(['written', 'flat']) : [];
    if (config.twoCopies) await bufferMedians(['written'], buffers);
    progress('sealing every event (a month is ordered only once all of it is sealed)');
    const appRole = decodeURIComponent(new URL(bench.appUrl).username);
    const sealStarted = Date.now();
    let sealSeconds = 0;
    let orderings: MonthOrdering[] = [];
    if (config.standInSeals) {
      // Month m + 1 is sealed while month m is ordered: the seals read the month's own partition, so they
      // hold no lock the door's swap on the parent waits for.
      let ordering: Promise<MonthOrdering | null> = Promise.resolve(null);
      for (let m = 0; m < 12; m++) {
        const t0 = Date.now();
        await owner.query(standInSealsSql(monthStart(m), monthStart(m + 1)));
        sealSeconds += (Date.now() - t0) / 1000;
        progress(`stand-in seals: month ${m + 1} of 12`);
        const previous = await ordering;
        if (previous) orderings.push(previous);
        ordering = orderNextMonth(db, owner, appRole, progress);
      }
      const last = await ordering;
      if (last) orderings.push(last);
      progress(`sealed and ordered in ${((Date.now() - sealStarted) / 1000).toFixed(0)} s`);
    } else {
      await db.sealCommittedAuditEvents(4 * 3_600_000);
      sealSeconds = (Date.now() - sealStarted) / 1000;
      progress(`sealed in ${sealSeconds.toFixed(0)} s; ordering the closed months`);
      orderings = await orderClosedMonths(db, owner, appRole, progress);
    }
    await owner.query('analyze public.audit_logs');
    const afterOrdering: Layout[] = config.twoCopies ? ['ordered', 'flat'] : layouts;
    // The unpartitioned copy's figures are the ones measured beside the ordered ledger.
    const results = [...(await interleaved(afterOrdering)), ...asWritten.filter((r) => !r.key.includes('-flat-'))];
    const ms = (key: string) => median(results.find((r) => r.key === key)?.latenciesUs ?? []) / 1000;
    await bufferMedians(afterOrdering, buffers);
    progress(`dropping months of ${n(config.dropRows)} and ${n(config.dropRows * 10)} events`);
    const drops = [
      await timeMonthDrop(owner, 13, config.dropRows, true),
      await timeMonthDrop(owner, 14, config.dropRows, false),
      await timeMonthDrop(owner, 15, config.dropRows * 10, true),
      await timeMonthDrop(owner, 16, config.dropRows * 10, false),
    ];
    const { rows: parts } = await owner.query<{ n: string }>(
      `select count(*) as n from audit.ledger_partitions where table_name = 'audit_logs'`,
    );
    console.log(`\nLedger timeline: closed months ordered vs as written vs unpartitioned (${bench.where})`);
    console.log(
      `${n(config.events)} events over 12 months, ${n(config.tenants)} tenants (~${n(Math.round(config.events / config.tenants))} each); ` +
        `audit_logs has ${parts[0]?.n} partitions; loaded in ${loadSeconds.toFixed(0)} s, sealed in ${sealSeconds.toFixed(0)} s` +
        (config.standInSeals ? ' (stand-in seals: no hash computed)' : '') +
        `; ${config.rounds} interleaved rounds of ${config.ops} queries, medians, as the owner; ` +
        `shared buffers (hit + read) are medians of ${config.samples} EXPLAIN (ANALYZE, BUFFERS) runs; ` +
        `load average ${loadAtStart} at the start, ${load()} at the end` +
        (config.twoCopies
          ? '; --two-copies: "as written" is the same ledger measured before its months were sealed and ordered, in rounds of its own with the unpartitioned copy'
          : '') +
        '\n',
    );
    const rows = [
      ['query', 'ordered ms', 'as written ms', 'unpartitioned ms', 'ordered / as written', 'ordered / unpartitioned'],
    ];
    for (const mode of ['planned', 'prepared'] as const) {
      for (const [label, query] of [
        ["(a) a tenant's last 50 events", 'last'],
        ["(b) a tenant's events in a 30-day window", 'window'],
      ] as const) {
        const [ordered, written, flat] = layouts.map((layout) => ms(`${query}-${layout}-${mode}`)) as [
          number,
          number,
          number,
        ];
        rows.push([
          `${label}, ${mode}`,
          ordered.toFixed(3),
          written.toFixed(3),
          flat.toFixed(3),
          formatRatio(ordered / written),
          formatRatio(ordered / flat),
        ]);
      }
    }
    console.log(formatTable(rows));
    const bufferRows = [
      ['query', 'ordered buffers', 'as written buffers', 'unpartitioned buffers', 'ordered / as written'],
    ];
    for (const q of ['last', 'window'] as const) {
      const [ordered, written, flat] = layouts.map((layout) => buffers.get(`${q}-${layout}`) ?? Number.NaN) as [
        number,
        number,
        number,
      ];
      bufferRows.push([
        q === 'last' ? '(a) last 50' : '(b) 30-day window',
        `${ordered}`,
        `${written}`,
        `${flat}`,
        formatRatio(ordered / written),
      ]);
    }
    console.log(`\n${formatTable(bufferRows)}`);
    console.log("\nOrdering each closed month (the door of migration 0056, through the retention run's context)\n");
    const orderRows = [
      ['month', 'events', 'MiB', 'copy ms', 'indexes ms', 'proof ms', 'swap ms', 'total ms', 'backend CPU s'],
    ];
    for (const o of orderings) {
      orderRows.push([
        o.partition,
        n(o.events),
        (o.bytes / 2 ** 20).toFixed(1),
        o.copyMs.toFixed(0),
        o.indexMs.toFixed(0),
        o.proofMs.toFixed(0),
        o.swapMs.toFixed(1),
        o.totalMs.toFixed(0),
        o.cpuSeconds.toFixed(2),
      ]);
    }
    const med = (pick: (o: (typeof orderings)[number]) => number) => median(orderings.map(pick));
    orderRows.push([
      'median',
      n(med((o) => o.events)),
      (med((o) => o.bytes) / 2 ** 20).toFixed(1),
      med((o) => o.copyMs).toFixed(0),
      med((o) => o.indexMs).toFixed(0),
      med((o) => o.proofMs).toFixed(0),
      med((o) => o.swapMs).toFixed(1),
      med((o) => o.totalMs).toFixed(0),
      med((o) => o.cpuSeconds).toFixed(2),
    ]);
    console.log(formatTable(orderRows));
    console.log(
      '\n(c) a month leaving the ledger: DROP of its partition vs DELETE of the same rows from a plain table\n',
    );
    const dropRows = [['rows in the month', 'MiB', 'how', 'detach ms', 'drop ms', 'delete ms', 'partition / delete']];
    for (const d of drops) {
      dropRows.push([
        n(d.rows),
        (d.bytes / 2 ** 20).toFixed(1),
        d.detached ? 'detach, drop' : 'drop',
        d.detachMs.toFixed(1),
        d.dropMs.toFixed(1),
        d.deleteMs.toFixed(1),
        formatRatio((d.detachMs + d.dropMs) / d.deleteMs),
      ]);
    }
    console.log(formatTable(dropRows));
    const total = (d: (typeof drops)[number] | undefined) => (d ? d.detachMs + d.dropMs : Number.NaN);
    console.log(
      `\n  10× the rows: detach + drop took ${formatRatio(total(drops[2]) / total(drops[0]))} as long, drop ${formatRatio(total(drops[3]) / total(drops[1]))}, delete ${formatRatio((drops[2]?.deleteMs ?? 0) / (drops[0]?.deleteMs ?? 1))}`,
    );
    console.log(`\nTotal ${((Date.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    await db.close();
    await owner.end();
    await bench.close();
  }
}

main().catch((error: unknown) => {
  // A failed query's own message is its cause's (drizzle wraps it).
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  console.error(error instanceof Error ? `${error.message}${cause}` : error);
  process.exit(1);
});
