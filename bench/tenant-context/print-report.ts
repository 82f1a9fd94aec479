import os from 'node:os';
import type { RawPool } from '@skillhub/db/bench';
import { median, percentile, type VariantResult } from '../lib/interleaved-rounds.ts';
import { formatDelta, formatRate, formatRatio, formatTable, formatUs } from '../lib/print-table.ts';
import type { BufferCounts } from './buffer-stats.ts';

export interface RunShape {
  tenants: number;
  rows: number;
  rounds: number;
  ops: number;
  insertOps: number;
  warmup: number;
  where: string;
  loadSeconds: number;
  warmed: boolean;
}

/** What ran where, so a reader can judge the figures below it. */
export async function printHeader(owner: RawPool, run: RunShape): Promise<void> {
  const { rows } = await owner.query<Record<string, string>>(
    `select current_setting('server_version') as version, current_setting('shared_buffers') as shared_buffers,
            current_setting('fsync') as fsync, current_setting('synchronous_commit') as synchronous_commit,
            pg_size_pretty(pg_total_relation_size('public.skills')) as rls_size,
            pg_size_pretty(pg_total_relation_size('bench_baseline.skills')) as plain_size`,
  );
  const s = rows[0] ?? {};
  const n = (x: number) => x.toLocaleString('en-US');
  console.log('tenant-context benchmark: db.withTenant() under RLS vs plain queries on a copy without RLS');
  console.log(
    `  PostgreSQL ${s.version} (${run.where}); shared_buffers ${s.shared_buffers}, fsync ${s.fsync}, synchronous_commit ${s.synchronous_commit}`,
  );
  console.log(
    `  Node ${process.version}, ${os.cpus().length} CPUs; ${n(run.tenants)} tenants × ${n(run.rows)} rows = ${n(run.tenants * run.rows)} skills (+ the same in bench_baseline.skills), loaded in ${run.loadSeconds.toFixed(0)} s`,
  );
  console.log(
    `  table + indexes: public.skills ${s.rls_size}, bench_baseline.skills ${s.plain_size}; ${run.warmed ? 'both prewarmed into shared buffers (pg_prewarm)' : 'pg_prewarm unavailable, caches warm up during the warm-up ops only'}`,
  );
  console.log(
    `  ${run.rounds} interleaved rounds per operation, ${run.ops} ops per round (${run.insertOps} for inserts) after ${run.warmup} warm-up ops; sequential, one connection per variant; random tenant and row per op`,
  );
  console.log('  audit change capture on skills is off except in the "(a) with audit" row');
  console.log(`  load average before measuring (1, 5, 15 min): ${loadAverage()}`);
}

export const loadAverage = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(', ');

/** Whether both tables were served from shared buffers alike (inserts that extend a table count as reads). */
export function printBufferUse(tables: string[], before: BufferCounts[], after: BufferCounts[]): void {
  const lines = tables.map((t, i) => {
    const read = (after[i]?.read ?? 0) - (before[i]?.read ?? 0);
    const hit = (after[i]?.hit ?? 0) - (before[i]?.hit ?? 0);
    const percent = ((100 * hit) / Math.max(1, hit + read)).toFixed(2);
    return `${t} ${hit.toLocaleString('en-US')} hits, ${read.toLocaleString('en-US')} reads (${percent}% hit)`;
  });
  console.log(`\nshared buffers during the measurements: ${lines.join('; ')}`);
}

export interface ServerFigures {
  samples: number;
  /** Under RLS with the verified context (0022). */
  rls: { planningUs: number; executionUs: number };
  /** Under RLS with the plain-setting policy of 0005-0015. */
  plainPolicy: { planningUs: number; executionUs: number };
  /** Without RLS, on the copy. */
  plain: { planningUs: number; executionUs: number };
}

/**
 * One operation's table: every variant's median and p95 latency, ops/s and
 * ratio to (b), then where the difference between (a) and (b) goes.
 */
export function printReport(
  op: { title: string; inserts: boolean },
  results: VariantResult[],
  plans: string[],
  server: ServerFigures,
): void {
  const stat = (key: string) => {
    const r = results.find((x) => x.key === key);
    if (!r) throw new Error(`no result for ${key}`);
    return {
      label: r.label,
      med: median(r.latenciesUs),
      p95: percentile(r.latenciesUs, 95),
      rate: median(r.roundOpsPerSec),
    };
  };
  const base = stat('b');
  const rows = [['variant', 'median µs', 'p95 µs', 'ops/s', '÷ (b)']];
  for (const r of results) {
    const s = stat(r.key);
    rows.push([s.label, formatUs(s.med), formatUs(s.p95), formatRate(s.rate), formatRatio(s.med / base.med)]);
  }
  const [a, c, d, d0, e] = [stat('a'), stat('c'), stat('d'), stat('d0'), stat('e')];
  console.log(`\n${op.title}`);
  for (const plan of plans) console.log(`  ${plan}`);
  console.log(formatTable(rows));
  console.log(`  (a)/(b) = ${formatRatio(a.med / base.med)}   (a)/(c) = ${formatRatio(a.med / c.med)}`);
  const parts = [
    `BEGIN/COMMIT round trips (c−b) ${formatDelta(c.med - base.med)}`,
    `the context statement, pipelined with the query (e−c) ${formatDelta(e.med - c.med)}`,
    `RLS itself (d−e) ${formatDelta(d.med - e.med)}`,
    `Drizzle + withTenant in Node (a−d) ${formatDelta(a.med - d.med)}`,
  ];
  if (op.inserts) parts.push(`audit change capture (a+audit − a) ${formatDelta(stat('a+audit').med - a.med)}`);
  console.log(`  where (a)−(b) goes, by medians: ${parts.join(' · ')}`);
  const { rls, plainPolicy, plain } = server;
  console.log(
    `  inside PostgreSQL (median of ${server.samples} explain analyze each, no round trip): planning ${formatUs(rls.planningUs)} µs with RLS vs ${formatUs(plain.planningUs)} µs without (${formatDelta(rls.planningUs - plain.planningUs)}), execution ${formatUs(rls.executionUs)} vs ${formatUs(plain.executionUs)} µs (${formatDelta(rls.executionUs - plain.executionUs)})`,
  );
  const total = (t: { planningUs: number; executionUs: number }) => t.planningUs + t.executionUs;
  console.log(
    `  the verified context's cost per statement: (d) ${formatUs(d.med)} µs vs (d0) ${formatUs(d0.med)} µs, ${formatDelta(d.med - d0.med)} (${formatRatio(d.med / d0.med)}); inside PostgreSQL planning + execution ${formatUs(total(rls))} vs ${formatUs(total(plainPolicy))} µs with the plain-setting policy, ${formatDelta(total(rls) - total(plainPolicy))} (${formatRatio(total(rls) / total(plainPolicy))})`,
  );
}
