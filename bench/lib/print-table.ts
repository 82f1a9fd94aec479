/** Columns padded to their widest cell; the first column left-aligned, the rest right-aligned. */
export function formatTable(rows: string[][], indent = '  '): string {
  const widths: number[] = [];
  for (const row of rows) {
    for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, cell.length);
  }
  return rows
    .map(
      (row) =>
        indent +
        row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  '),
    )
    .join('\n');
}

export const formatUs = (us: number): string => us.toFixed(1);
export const formatRate = (perSec: number): string => Math.round(perSec).toLocaleString('en-US');
export const formatRatio = (ratio: number): string => `${ratio.toFixed(2)}×`;
export const formatDelta = (us: number): string => `${us >= 0 ? '+' : '−'}${Math.abs(us).toFixed(1)} µs`;
