import { median } from '../lib/interleaved-rounds.ts';
import { formatDelta, formatRate, formatRatio, formatTable, formatUs } from '../lib/print-table.ts';
import type { BulkFigures } from './bulk-writes.ts';
import type { SealingComparison } from './loop-sealing.ts';
import type { SealPlanFigures, VerifyPlanFigures } from './profile-ledger.ts';
import type { SealCalls, VerifyFigures } from './seal-and-verify.ts';
import type { WriteFigures } from './single-row-writes.ts';
import type { TreeSealingComparison } from './tree-sealing.ts';

const n = (value: number) => value.toLocaleString('en-US');
const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
const ms = (value: number) => value.toFixed(0);
const verdict = (ratio: number, aim: number) => `aim ≤ ${aim.toFixed(1)}×: ${ratio <= aim ? 'met' : 'missed'}`;

function byMode<T extends { mode: string }>(figures: T[]) {
  const get = (mode: string) => {
    const f = figures.find((x) => x.mode === mode);
    if (!f) throw new Error(`no figures for ${mode}`);
    return f;
  };
  return {
    none: get('none'),
    statement: get('statement'),
    row: get('row'),
  };
}

export function printSingleRow(title: string, figures: WriteFigures[]): void {
  const { none, statement, row } = byMode(figures);
  const rows = [
    ['variant', 'median µs', 'p95 µs', 'txn/s', 'WAL B/txn', '÷ untracked', 'in PG: exec µs', 'capture µs'],
  ];
  for (const f of figures) {
    rows.push([
      f.label,
      formatUs(f.medianUs),
      formatUs(f.p95Us),
      formatRate(f.opsPerSec),
      n(Math.round(f.walBytesPerOp)),
      formatRatio(f.medianUs / none.medianUs),
      formatUs(f.server.executionUs),
      f.mode === 'none' ? '–' : formatUs(f.server.captureUs),
    ]);
  }
  console.log(`\n  ${title}`);
  console.log(formatTable(rows, '    '));
  const ratio = statement.medianUs / none.medianUs;
  console.log(
    `    statement-level ÷ untracked = ${formatRatio(ratio)} (${verdict(ratio, 1.3)}); row-level ÷ untracked = ${formatRatio(row.medianUs / none.medianUs)}; statement-level ÷ row-level = ${formatRatio(statement.medianUs / row.medianUs)}`,
  );
  console.log(
    `    the design vs untracked: ${formatDelta(statement.medianUs - none.medianUs)} per transaction; its trigger takes ${formatUs(statement.server.captureUs)} µs inside PostgreSQL and it writes ${n(Math.round(statement.walBytesPerOp - none.walBytesPerOp))} more WAL bytes, flushed at commit`,
  );
}

export function printBulk(explainRows: number, figures: BulkFigures[]): void {
  const { none, statement, row } = byMode(figures);
  const table = [['variant', 'insert ms', '÷ untracked', 'WAL MB', 'update ms', '÷ untracked', 'WAL MB']];
  for (const f of figures) {
    table.push([
      f.label,
      ms(f.insert.medianMs),
      formatRatio(f.insert.medianMs / none.insert.medianMs),
      f.insert.walMb.toFixed(0),
      ms(f.update.medianMs),
      formatRatio(f.update.medianMs / none.update.medianMs),
      f.update.walMb.toFixed(0),
    ]);
  }
  console.log(formatTable(table, '    '));
  for (const step of ['insert', 'update'] as const) {
    const ratio = statement[step].medianMs / none[step].medianMs;
    console.log(
      `    ${step}: statement-level ÷ untracked = ${formatRatio(ratio)} (${verdict(ratio, 1.6)}); statement-level ÷ row-level = ${formatRatio(statement[step].medianMs / row[step].medianMs)}`,
    );
  }
  console.log(`    inside PostgreSQL (one explain analyze each, at ${n(explainRows)} rows, no commit):`);
  for (const f of figures) {
    const parts = (['insert', 'update'] as const).map((step) => {
      const s = f[step].server;
      const capture =
        f.mode === 'none' ? '' : `, capture ${ms(s.captureUs / 1000)} ms in ${n(s.captureCalls)} trigger call(s)`;
      return `${step} ${ms(s.executionUs / 1000)} ms${capture}`;
    });
    console.log(`      ${f.label}: ${parts.join('; ')}`);
  }
}

export interface LedgerFigures {
  events: number;
  writeSeconds: number;
  hashSeconds: number;
  oneCall: SealCalls;
  /** The sealer's way, on top of the sealed backlog. */
  calls: SealCalls;
  batch: number;
  plans: SealPlanFigures;
  /** With --compare-sealing: the same backlog sealed by audit.seal_pending and by the row-by-row loop of 0007. */
  comparison?: SealingComparison;
}

export function printSealing(f: LedgerFigures): void {
  const writeRate = f.events / f.writeSeconds;
  const rate = (events: number, s: number) => events / s;
  const row = (label: string, events: number, s: number) => [
    label,
    n(events),
    s.toFixed(1),
    formatRate(rate(events, s)),
    formatRatio(rate(events, s) / writeRate),
  ];
  console.log(
    formatTable(
      [
        ['step', 'events', 'seconds', 'events/s', '÷ write rate'],
        row('write: bulk insert of the events (owner, the baseline)', f.events, f.writeSeconds),
        row('hash floor: count(audit.event_hash(l)), one scan', f.events, f.hashSeconds),
        row(`seal: one audit.seal_pending(${n(f.events)}) call`, f.oneCall.sealed, f.oneCall.seconds),
      ],
      '    ',
    ),
  );
  const early = f.calls.callMs.slice(0, 5);
  const late = f.calls.callMs.slice(5, -1);
  const perSec = (msPerCall: number) => formatRate((f.batch * 1000) / msPerCall);
  console.log(
    `    the server's sealer on top of that sealed backlog: ${n(f.calls.sealed)} new events, audit.seal_pending(${n(f.batch)}) on one connection, ${f.calls.callMs.length} calls in ${f.calls.seconds.toFixed(1)} s`,
  );
  console.log(
    `      calls 1–5 (PL/pgSQL custom plans): median ${ms(median(early))} ms per call = ${perSec(median(early))} events/s`,
  );
  if (late.length > 0) {
    console.log(
      `      calls 6–${late.length + 5} (PL/pgSQL may switch to its cached generic plan): median ${ms(median(late))} ms per call = ${perSec(median(late))} events/s (${formatRatio(median(late) / median(early))} the early calls)`,
    );
  }
  const { custom, generic } = f.plans;
  console.log(
    `    seal_pending's query on that backlog (explain analyze of the next batch): custom plan ${ms(custom.ms)} ms, reading ${n(Math.round(custom.entries))} entries of audit_logs_txid_seq_idx; generic plan ${ms(generic.ms)} ms, reading ${n(Math.round(generic.entries))} (${n(Math.round(generic.removed))} thrown away by its filter)`,
  );
  const c = f.comparison;
  if (c) {
    console.log(
      `    those ${n(c.events)} events sealed in one call, rolled back (median of 2 each): audit.seal_pending (set-based) ${c.designSeconds.toFixed(1)} s = ${formatRate(c.events / c.designSeconds)} events/s; the row-by-row loop of 0007 ${c.loopSeconds.toFixed(1)} s = ${formatRate(c.events / c.loopSeconds)} events/s (set-based ÷ loop: ${formatRatio(c.designSeconds / c.loopSeconds)} the time, same hashes)`,
    );
  }
}

export function printVerification(
  plain: { events: number; seconds: number },
  runs: [string, VerifyFigures][],
  profile: { chain: string; events: number; chains: number; plans: VerifyPlanFigures },
): void {
  const plainRate = plain.events / plain.seconds;
  const rows = [
    ['step', 'events', 'seconds', 'events/s', '÷ plain read', 'RSS before MB', 'peak RSS MB'],
    [
      'plain read: stream seals ⋈ events, no hashing (baseline)',
      n(plain.events),
      plain.seconds.toFixed(1),
      formatRate(plainRate),
      '1.00×',
      '',
      '',
    ],
  ];
  for (const [label, v] of runs) {
    const rate = v.result.events / v.seconds;
    rows.push([
      label,
      n(v.result.events),
      v.seconds.toFixed(1),
      formatRate(rate),
      formatRatio(rate / plainRate),
      mb(v.rssBefore),
      mb(v.rssPeak),
    ]);
  }
  console.log(formatTable(rows, '    '));
  const growth = runs.map(
    ([label, v]) => `${label.replace('verifyAuditChain, ', '')} +${mb(v.rssPeak - v.rssBefore)} MB`,
  );
  console.log(`    peak RSS above the level before the call: ${growth.join(', ')}`);
  const p = profile.plans;
  console.log(
    `    one chain's queries inside PostgreSQL (explain analyze, chain ${profile.chain}, ${n(profile.events)} events): cursor ${ms(p.cursorMs)} ms; unsealed events ${ms(p.unsealedMs)} ms; each run once per chain (${n(profile.chains)} chains)`,
  );
  console.log(
    `    the unsealed-events question for every chain at once, in one anti-join pass over the ledger: ${ms(p.allChainsMs)} ms in all`,
  );
}

/** Sealing with the Merkle tree against the chain-only sealing it replaced, same events, same run. */
export function printTreeSealing(c: TreeSealingComparison): void {
  const ratio = c.chainSeconds / c.treeSeconds;
  console.log(
    `    with the Merkle tree (0030) vs chain-only (0023), ${n(c.events)} pending events sealed ${n(c.batch)} per call, median of 3 interleaved rounds, each rolled back:`,
  );
  console.log(
    `      chain only ${c.chainSeconds.toFixed(2)} s = ${formatRate(c.events / c.chainSeconds)} events/s; with the tree ${c.treeSeconds.toFixed(2)} s = ${formatRate(c.events / c.treeSeconds)} events/s, ${n(c.nodes)} node rows; throughput ratio tree ÷ chain-only = ${formatRatio(ratio)} (aim ≥ 0.8×: ${ratio >= 0.8 ? 'met' : 'missed'})`,
  );
}
