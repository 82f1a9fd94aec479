import type { DeploymentSinkState } from '@skillhub/db';
import { formatTable } from '../output/table.ts';

const seconds = (ms: number) => `${(Math.max(0, ms) / 1000).toFixed(1)} s`;

/**
 * What `skillhub sink deployment show` prints: the sink, one row per chain
 * (last delivered and last sealed leaf, events behind, and the lag: how
 * long the oldest sealed event not yet delivered has waited), then the
 * latest attempts, newest first.
 */
export function describeDeploymentSink(state: DeploymentSinkState, now: Date): string[] {
  const status = state.pausedAt
    ? `paused since ${state.pausedAt.toISOString()}: ${state.pausedReason ?? ''}`
    : 'active';
  const lines = [`${state.url} (${state.format}), from leaf ${state.fromLeaf}, ${status}`];
  const chains = state.chains.map((c) => [
    c.chain || '(system)',
    String(c.deliveredThrough),
    String(c.sealedThrough),
    String(Math.max(0, c.sealedThrough - c.deliveredThrough)),
    c.oldestUndeliveredSealedAt ? seconds(now.getTime() - c.oldestUndeliveredSealedAt.getTime()) : '0.0 s',
    c.lastDeliveredAt?.toISOString() ?? '-',
    String(c.failures),
  ]);
  if (chains.length > 0) {
    lines.push(
      formatTable(
        ['chain', 'delivered through leaf', 'sealed through leaf', 'behind', 'lag', 'last delivered', 'failures'],
        chains,
      ).trimEnd(),
    );
  }
  if (state.attempts.length === 0) {
    lines.push('no delivery attempts yet');
    return lines;
  }
  const attempts = state.attempts.map((a) => [
    a.attemptedAt.toISOString(),
    a.chain === null ? '(test)' : a.chain || '(system)',
    a.firstLeaf === null ? '-' : `${a.firstLeaf}-${a.lastLeaf} (${a.eventCount})`,
    a.delivered ? 'delivered' : 'failed',
    a.statusCode === null ? '-' : String(a.statusCode),
    `${a.latencyMs} ms`,
    a.error ?? '',
  ]);
  lines.push(
    `latest ${attempts.length} attempts:`,
    formatTable(['at', 'chain', 'leaves', 'outcome', 'status', 'latency', 'error'], attempts).trimEnd(),
  );
  return lines;
}
