/**
 * Retention by partition drop (migrations 0052, 0057): a month of the
 * ledger retired through the door (plan per chain, one signed record per
 * chain, DETACH, the month set aside), then reclaimed (its DROP, in a
 * transaction of its own), against a plain DETACH + DROP of a month of the
 * same size as the owner in one transaction, in one run, at two month sizes. Every month is filled the
 * same way (events of `--tenants` workspaces and the system chain, spread
 * over the month), sealed and covered by a signed checkpoint; door and
 * baseline alternate, `--rounds` times per size. Reports medians of wall
 * time and of the server backend's CPU time (utime + stime from
 * /proc/<pid>/stat, when the server runs on this machine), of the door's
 * plan alone (run dry in a transaction of its own just before), and of the
 * reclaim.
 * Usage: npm run bench:retire -- [--rows N] [--tenants N] [--rounds N] [--payload-bytes N] [--bulk-seal]
 * [--explain] [--statement-timeout MS] (the second size is 10× the first; --payload-bytes pads each event's metadata, so a month of
 * gigabytes needs only thousands of events sealed; --bulk-seal seals as the owner in one statement, for
 * months of millions of events; --explain prints EXPLAIN (ANALYZE, BUFFERS) of the plan's statements;
 * --statement-timeout is the retention transaction's, 30 s as in the server by default).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  Database,
  generateSignerKey,
  OperatorDoor,
  parseSignerKey,
  reclaimRetiredMonth,
  retireOldestLedgerMonth,
  sql,
  systemActor,
  type WorkerTx,
} from '@skillhub/db';
import { ledgerHistoryBeforeSql, openRawPool } from '@skillhub/db/bench';
import { openBenchDatabase } from './lib/bench-database.ts';
import { positiveInteger } from './lib/positive-integer.ts';
import { formatRatio, formatTable } from './lib/print-table.ts';
import { bulkSealSql, explainMonthPlan } from './lib/retire-month-setup.ts';

const { values: flags } = parseArgs({
  options: {
    rows: { type: 'string', default: '10000' },
    tenants: { type: 'string', default: '50' },
    rounds: { type: 'string', default: '3' },
    'payload-bytes': { type: 'string', default: '0' },
    'bulk-seal': { type: 'boolean', default: false },
    explain: { type: 'boolean', default: false },
    'statement-timeout': { type: 'string', default: '30000' },
  },
});
const rows = positiveInteger('rows', flags.rows);
const tenants = positiveInteger('tenants', flags.tenants);
const rounds = positiveInteger('rounds', flags.rounds);
// Bytes of metadata padding per event, stored uncompressed (the column's storage set to external for the
// run): months of gigabytes with only thousands of events to seal.
const payloadChunks =
  flags['payload-bytes'] === '0' ? 0 : Math.ceil(positiveInteger('payload-bytes', flags['payload-bytes']) / 32);
const metadataSql =
  payloadChunks === 0
    ? `'{"field": "value"}'::jsonb`
    : `jsonb_build_object('field', 'value', 'pad', repeat(md5(g::text), ${payloadChunks}))`;
const ticks = 100;
/** A backend's CPU time so far in ms (utime + stime), or NaN when its process is not on this machine. */
function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticks;
  } catch {
    return Number.NaN;
  }
}
const median = (values: number[]) => {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};
const progress = (message: string) => process.stderr.write(`· ${message}\n`);
const n = (value: number) => value.toLocaleString('en-US');
const since = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
const signer = { deployment: 'bench.example', key: parseSignerKey(generateSignerKey('bench.example')) };
const bounds = { minDays: 30, maxDays: null };

async function main(): Promise<void> {
  progress('starting PostgreSQL and migrating a fresh database');
  const bench = await openBenchDatabase({ shared_buffers: '512MB', max_wal_size: '4GB' });
  const owner = openRawPool({ connectionString: bench.ownerUrl, max: 1 });
  const db = await Database.open({
    url: bench.appUrl,
    contextKey: bench.contextKey,
    maxConnections: 2,
    statementTimeoutMs: positiveInteger('statement-timeout', flags['statement-timeout']),
  });
  try {
    // The clock: history below fifteen months ago, month partitions from there to beyond this month.
    const { rows: first } = await owner.query<{ m: Date }>(
      `select (date_trunc('month', now() at time zone 'UTC') - interval '15 months') at time zone 'UTC' as m`,
    );
    const at = new Date(first[0]?.m as Date).toISOString();
    await owner.query(ledgerHistoryBeforeSql(at, 18));
    if (payloadChunks > 0) await owner.query('alter table audit_logs alter column metadata set storage external');
    const sizes = [rows, rows * 10];
    // Month 0 stays empty and is retired first (no events); then per size and round: a door month, a plain one.
    const fill = async (month: number, count: number) => {
      await owner.query(
        `begin; set local session_replication_role = replica;
         insert into audit_logs (tenant_id, action, resource_type, resource_id, actor_type, actor_id, metadata, created_at)
         select case when g % ${tenants + 1} = 0 then null else 'bench-' || (g % ${tenants + 1}) end,
                'skill.updated', 'skill', 's-' || g, 'user', 'u-' || (g % 997), ${metadataSql},
                ('${at}'::timestamptz + make_interval(months => ${month})) + make_interval(secs => g * 2419200.0 / ${count})
         from generate_series(1, ${count}) g;
         commit;`,
      );
    };
    let month = 1;
    for (const size of sizes) {
      progress(`filling ${rounds * 2} months of ${n(size)} events`);
      for (let i = 0; i < rounds * 2; i++) await fill(month++, size);
    }
    // Workspaces and policies after the months' events, so their own records are later leaves than those.
    await owner.query(`insert into tenants (id, name, slug)
      select 'bench-' || g, 'Bench ' || g, 'bench-' || g from generate_series(1, ${tenants}) g`);
    await owner.query(
      `insert into site_settings (tenant_id, audit_retention_days) select id, 30 from tenants where id like 'bench-%'`,
    );
    await OperatorDoor.use(bench.ownerUrl, (door) => door.setSystemRetention(30, bounds, systemActor('bench')));
    progress(flags['bulk-seal'] ? 'sealing in bulk as the owner' : 'sealing and signing checkpoints');
    const sealStarted = Date.now();
    if (flags['bulk-seal']) {
      await owner.query(bulkSealSql(signer.deployment));
    } else {
      await db.sealCommittedAuditEvents(3_600_000);
      await db.signAuditCheckpoints(signer);
    }
    progress(`sealed in ${((Date.now() - sealStarted) / 1000).toFixed(0)} s`);
    await owner.query('vacuum analyze audit_logs');
    await owner.query('vacuum analyze audit.seals');
    await db.ledgerRetention((tx) => retireOldestLedgerMonth(tx, signer, bounds));
    await db.reclaimRetiredLedgerMonths();
    const ownerPid = Number((await owner.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]?.pid);
    const results: string[][] = [
      [
        'events in the month',
        'MiB',
        'plan only ms',
        'plan CPU ms',
        'door ms',
        'reclaim ms',
        'plain ms',
        'door / plain',
        'door CPU ms',
        'reclaim CPU ms',
        'plain CPU ms',
        'CPU door / plain',
      ],
    ];
    for (const size of sizes) {
      const runs = {
        plan: [] as number[],
        planCpu: [] as number[],
        door: [] as number[],
        reclaim: [] as number[],
        plain: [] as number[],
        doorCpu: [] as number[],
        reclaimCpu: [] as number[],
        plainCpu: [] as number[],
      };
      let events = 0;
      let bytes = 0;
      for (let round = 0; round < rounds; round++) {
        const { rows: oldest } = await owner.query<{ partition_name: string; bytes: string }>(
          `select partition_name, bytes from audit.ledger_partitions
           where table_name = 'audit_logs' and range_from is not null order by range_from limit 2`,
        );
        const [door, plain] = oldest;
        if (!door || !plain) throw new Error('two months expected');
        bytes = Number(door.bytes);
        if (flags.explain && round === 0) console.log(await explainMonthPlan(owner, door.partition_name));
        progress(
          `${n(size)}, round ${round + 1}: ${door.partition_name} through the door, ${plain.partition_name} plain`,
        );
        // The month's rows (what the door's records count includes leaves whose rows the plain DROP of an
        // earlier round removed outside any record).
        events = Number(
          (await owner.query<{ n: string }>(`select count(*) as n from ${door.partition_name}`)).rows[0]?.n,
        );
        // The backend's CPU from inside the transaction to after its commit (a pooled connection stays).
        let pid = 0;
        let cpuBefore = Number.NaN;
        const markBackend = async (tx: WorkerTx) => {
          pid = Number((await tx.execute<{ pid: number }>(sql`select pg_backend_pid() as pid`)).rows[0]?.pid);
          cpuBefore = cpuMs(pid);
        };
        let t0 = process.hrtime.bigint();
        const planned = await db.ledgerRetention(async (tx) => {
          await markBackend(tx);
          return retireOldestLedgerMonth(tx, signer, bounds, { dryRun: true });
        });
        runs.plan.push(since(t0));
        runs.planCpu.push(cpuMs(pid) - cpuBefore);
        if (planned?.status !== 'would-retire') throw new Error(`not retirable: ${planned?.blockedBy}`);
        t0 = process.hrtime.bigint();
        const retired = await db.ledgerRetention(async (tx) => {
          await markBackend(tx);
          return retireOldestLedgerMonth(tx, signer, bounds);
        });
        runs.door.push(since(t0));
        runs.doorCpu.push(cpuMs(pid) - cpuBefore);
        if (retired?.status !== 'retired') throw new Error(`not retired: ${retired?.blockedBy}`);
        t0 = process.hrtime.bigint();
        const reclaimed = await db.ledgerRetention(async (tx) => {
          await markBackend(tx);
          return reclaimRetiredMonth(tx);
        });
        runs.reclaim.push(since(t0));
        runs.reclaimCpu.push(cpuMs(pid) - cpuBefore);
        if (reclaimed !== door.partition_name) throw new Error(`reclaimed ${reclaimed}, not ${door.partition_name}`);
        const before = cpuMs(ownerPid);
        t0 = process.hrtime.bigint();
        await owner.query(
          `begin; alter table audit_logs detach partition ${plain.partition_name}; drop table ${plain.partition_name}; commit;`,
        );
        runs.plain.push(since(t0));
        runs.plainCpu.push(cpuMs(ownerPid) - before);
        progress(
          `plan ${runs.plan.at(-1)?.toFixed(0)} ms (CPU ${runs.planCpu.at(-1)?.toFixed(0)} ms), door ${runs.door.at(-1)?.toFixed(0)} ms ` +
            `(CPU ${runs.doorCpu.at(-1)?.toFixed(0)} ms), plain ${runs.plain.at(-1)?.toFixed(0)} ms`,
        );
      }
      const door = median(runs.door);
      const plain = median(runs.plain);
      const doorCpu = median(runs.doorCpu);
      const plainCpu = median(runs.plainCpu);
      results.push([
        n(events),
        (bytes / 2 ** 20).toFixed(1),
        median(runs.plan).toFixed(0),
        median(runs.planCpu).toFixed(0),
        door.toFixed(0),
        median(runs.reclaim).toFixed(0),
        plain.toFixed(0),
        formatRatio(door / plain),
        doorCpu.toFixed(0),
        median(runs.reclaimCpu).toFixed(0),
        plainCpu.toFixed(0),
        formatRatio(doorCpu / plainCpu),
      ]);
    }
    const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
    console.log(`\nA ledger month retired through the door vs a plain DETACH + DROP (${bench.where})`);
    console.log(`load average at the end: ${load}`);
    console.log(
      `${tenants} workspaces and the system chain, every event sealed and checkpointed; medians of ${rounds} rounds\n`,
    );
    console.log(formatTable(results));
  } finally {
    await db.close();
    await owner.end();
    await bench.close();
  }
}

main().catch((error: unknown) => {
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  console.error(error instanceof Error ? `${error.message}${cause}` : error);
  process.exit(1);
});
