import { formatTable } from '../lib/print-table.ts';
import type { SoakFigures } from './soak-clients.ts';

export interface Sample {
  /** Minutes since the load started. */
  minute: number;
  rssMb: number;
  /** Audit events written but not yet sealed. */
  unsealed: number;
}

export interface SoakReport {
  minutes: number;
  tenants: number;
  clients: number;
  figures: SoakFigures;
  samples: Sample[];
  /** Seconds the sealer took to drain the backlog after the load stopped. */
  drainSeconds: number;
  chains: { intact: boolean; chains: number; events: number; broken: string[] };
  shutdownMs: number;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

/** Least-squares slope of y over x; 0 with fewer than two points. */
export function slope(points: [x: number, y: number][]): number {
  if (points.length < 2) return 0;
  const meanX = points.reduce((s, [x]) => s + x, 0) / points.length;
  const meanY = points.reduce((s, [, y]) => s + y, 0) / points.length;
  const num = points.reduce((s, [x, y]) => s + (x - meanX) * (y - meanY), 0);
  const den = points.reduce((s, [x]) => s + (x - meanX) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

const n = (x: number) => Math.round(x).toLocaleString('en-US');

/** The soak's verdict on stdout; true when nothing unexpected happened. */
export function printReport(report: SoakReport): boolean {
  const { figures, samples } = report;
  const sorted = [...figures.latencies].sort((a, b) => a - b);
  // Past the first minute: start-up (JIT, pools, caches) is not growth.
  const settled = samples.filter((s) => s.minute >= 1);
  const rssSlope = slope((settled.length >= 2 ? settled : samples).map((s) => [s.minute, s.rssMb]));
  const maxBacklog = Math.max(0, ...samples.map((s) => s.unsealed));
  const out = (line = '') => process.stdout.write(`${line}\n`);

  out(`Soak: ${report.minutes} min, ${report.tenants} tenants, ${report.clients} concurrent clients, 127.0.0.1`);
  out();
  out(
    `requests ${n(figures.requests)} (${n(figures.requests / (report.minutes * 60))}/s), ` +
      `latency p50 ${percentile(sorted, 50).toFixed(1)} ms, p99 ${percentile(sorted, 99).toFixed(1)} ms`,
  );
  out(`unexpected statuses ${figures.unexpected.length}`);
  for (const u of figures.unexpected.slice(0, 10)) out(`  ${u.route} → ${u.status} ${u.body}`);
  out();
  const rows = [['route', 'status', 'answers']];
  for (const [route, statuses] of [...figures.answers].sort(([a], [b]) => (a < b ? -1 : 1))) {
    for (const [status, count] of [...statuses].sort(([a], [b]) => a - b)) rows.push([route, String(status), n(count)]);
  }
  out(formatTable(rows));
  out();
  out(
    formatTable([
      ['minute', 'server RSS (MB)', 'unsealed events'],
      ...samples.map((s) => [s.minute.toFixed(1), s.rssMb.toFixed(1), n(s.unsealed)]),
    ]),
  );
  out();
  out(
    `server RSS slope ${rssSlope >= 0 ? '+' : ''}${rssSlope.toFixed(2)} MB/min (least squares, after the first minute)`,
  );
  out(
    `sealing backlog max ${n(maxBacklog)} events; drained ${report.drainSeconds.toFixed(1)} s after the load stopped`,
  );
  out(
    `audit chains: ${report.chains.intact ? 'all intact' : `BROKEN: ${report.chains.broken.join(', ')}`} ` +
      `(${n(report.chains.chains)} chains, ${n(report.chains.events)} events)`,
  );
  out(`shutdown (SIGTERM to exit) ${n(report.shutdownMs)} ms`);
  return figures.unexpected.length === 0 && report.chains.intact && Number.isFinite(report.drainSeconds);
}
