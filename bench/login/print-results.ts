import { median, percentile, type VariantResult } from '../lib/interleaved-rounds.ts';
import { formatRate, formatRatio, formatTable, formatUs } from '../lib/print-table.ts';

const verdict = (met: boolean) => (met ? 'met' : 'missed');

/** The table of round trips and in-PostgreSQL time per call, and the ratios to the empty table. */
export function printResults(results: VariantResult[], server: Map<string, number[]>): void {
  const loaded = results.find((r) => r.key === 'loaded');
  const empty = results.find((r) => r.key === 'empty');
  if (!loaded || !empty) throw new Error('expected the loaded and empty variants');
  const rows = [['variant', 'median µs', 'p95 µs', 'p99 µs', 'calls/s', 'in PG µs/call', '÷ empty']];
  for (const r of results) {
    rows.push([
      r.label,
      formatUs(median(r.latenciesUs)),
      formatUs(percentile(r.latenciesUs, 95)),
      formatUs(percentile(r.latenciesUs, 99)),
      formatRate(median(r.roundOpsPerSec)),
      formatUs(median(server.get(r.key) ?? [])),
      formatRatio(median(r.latenciesUs) / median(empty.latenciesUs)),
    ]);
  }
  console.log('\n  should_block_login, one connection, sequential, a random known user and IP per call');
  console.log(formatTable(rows, '    '));
  const medianUs = median(loaded.latenciesUs);
  const ratio = medianUs / median(empty.latenciesUs);
  const serverRatio = median(server.get('loaded') ?? []) / median(server.get('empty') ?? []);
  console.log(
    `    loaded ÷ empty = ${formatRatio(ratio)} per round trip (aim ≤ 2×: ${verdict(ratio <= 2)}), ${formatRatio(serverRatio)} inside PostgreSQL; loaded median ${formatUs(medianUs)} µs (aim < 1,000 µs: ${verdict(medianUs < 1000)})`,
  );
}
