import { median } from '../lib/interleaved-rounds.ts';
import { formatRate, formatRatio, formatTable } from '../lib/print-table.ts';
import type { RunFigures } from './measure-run.ts';

export interface ScenarioResult {
  title: string;
  product: RunFigures[];
  baseline: RunFigures[];
}

const med = (runs: RunFigures[], pick: (r: RunFigures) => number | null): number | null => {
  const values = runs.map(pick).filter((v): v is number => v !== null);
  return values.length === 0 ? null : median(values);
};
const ms = (v: number | null) => (v === null ? 'n/a' : v.toFixed(2));
const us = (v: number | null) => (v === null ? 'n/a' : Math.round(v).toLocaleString('en-US'));
const count = (v: number | null) => (v === null ? 'n/a' : v.toFixed(2));
const signed = (v: number) => `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(2)}`;

/** The round whose throughput is the median one: its statement mix stands for the scenario. */
const medianRound = (runs: RunFigures[]): RunFigures | undefined => {
  const sorted = [...runs].sort((a, b) => a.requestsPerSec - b.requestsPerSec);
  return sorted[Math.floor((sorted.length - 1) / 2)];
};

/** One scenario: both servers' medians across rounds, the ratio, and where each request's work goes. */
export function printScenario(result: ScenarioResult): { ratio: number } {
  const rows = [
    [
      'server',
      'req/s',
      'p50 ms',
      'p99 ms',
      'statements/req',
      'transactions/req',
      'PG exec µs/req',
      'audit rows/req',
      'server CPU µs/req',
      'PG CPU µs/req',
      'load gen CPU µs/req',
    ],
  ];
  const line = (label: string, runs: RunFigures[]) => [
    label,
    formatRate(med(runs, (r) => r.requestsPerSec) ?? 0),
    ms(med(runs, (r) => r.p50Ms)),
    ms(med(runs, (r) => r.p99Ms)),
    count(med(runs, (r) => r.statements)),
    count(med(runs, (r) => r.transactions)),
    us(med(runs, (r) => r.pgExecUs)),
    count(med(runs, (r) => r.auditRows)),
    us(med(runs, (r) => r.serverCpuUs)),
    us(med(runs, (r) => r.postgresCpuUs)),
    us(med(runs, (r) => r.loadGeneratorCpuUs)),
  ];
  rows.push(line('Skillhub API', result.product), line('baseline', result.baseline));
  const rate = (runs: RunFigures[]) => med(runs, (r) => r.requestsPerSec) ?? Number.NaN;
  const ratio = rate(result.product) / rate(result.baseline);
  const p50 = (med(result.product, (r) => r.p50Ms) ?? 0) - (med(result.baseline, (r) => r.p50Ms) ?? 0);
  const p99 = (med(result.product, (r) => r.p99Ms) ?? 0) - (med(result.baseline, (r) => r.p99Ms) ?? 0);
  console.log(`\n${result.title}`);
  console.log(formatTable(rows));
  console.log(
    `  Skillhub / baseline throughput ${formatRatio(ratio)}; latency p50 ${signed(p50)} ms, p99 ${signed(p99)} ms`,
  );
  const perRound = (runs: RunFigures[]) => runs.map((r) => formatRate(r.requestsPerSec)).join(' ');
  console.log(`  req/s by round: Skillhub ${perRound(result.product)} · baseline ${perRound(result.baseline)}`);
  for (const [label, runs] of [
    ['Skillhub', result.product],
    ['baseline', result.baseline],
  ] as const) {
    const failures: Record<string, number> = {};
    for (const r of runs) for (const [k, v] of Object.entries(r.failures)) failures[k] = (failures[k] ?? 0) + v;
    const total = runs.reduce((sum, r) => sum + r.requests, 0);
    if (Object.keys(failures).length > 0)
      console.log(`  ${label} failed responses (of ${formatRate(total)} ok): ${JSON.stringify(failures)}`);
  }
  for (const [label, runs] of [
    ['Skillhub', result.product],
    ['baseline', result.baseline],
  ] as const) {
    const mix = medianRound(runs)?.statementMix;
    if (!mix) continue;
    console.log(`  ${label} statements per request (calls/req × mean exec µs):`);
    for (const s of mix.filter((x) => x.perRequest >= 0.005).slice(0, 12)) {
      const text = s.query.replace(/\s+/g, ' ').trim();
      console.log(
        `    ${s.perRequest.toFixed(2).padStart(5)} × ${s.meanUs.toFixed(0).padStart(5)}  ${text.length > 110 ? `${text.slice(0, 107)}...` : text}`,
      );
    }
  }
  return { ratio };
}

/** The closing lines: every scenario's throughput ratio against its aim. */
export function printSummary(results: { title: string; ratio: number; aim: number | null }[]): void {
  console.log('\nSkillhub / baseline throughput (medians across rounds):');
  for (const r of results) {
    const verdict = r.aim === null ? '' : `  (aim ≥ ${r.aim.toFixed(2)}×: ${r.ratio >= r.aim ? 'met' : 'not met'})`;
    console.log(`  ${formatRatio(r.ratio)}  ${r.title}${verdict}`);
  }
}
