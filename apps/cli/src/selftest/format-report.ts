import type { SelftestCheck } from '@skillhub/db';
import type { SelftestReport } from './run-selftest.ts';

const areaOf = (check: SelftestCheck) => check.name.split(':')[0] ?? check.name;

/**
 * The report a person reads: the verdict, each failed and noted check in
 * full (what was tried, what was seen), then one line per area with its
 * count; `all` lists every check.
 */
export function formatReport({ summary, signature, checks }: SelftestReport, all = false): string {
  const lines = [
    `Skillhub isolation self-test ${summary.run} (version ${summary.version}): ` +
      (summary.failed === 0 ? 'every check held' : `${summary.failed} check(s) FAILED`),
    `  ${summary.checks} checks: ${summary.held} held, ${summary.failed} failed, ${summary.noted} noted, in ${(summary.durationMs / 1000).toFixed(1)} s`,
    '',
  ];
  for (const check of checks.filter((c) => c.result !== 'held' || all)) {
    lines.push(`${check.result === 'failed' ? 'FAIL' : check.result === 'noted' ? 'NOTE' : 'ok  '} ${check.name}`);
    lines.push(`     tried: ${check.tried}`, `     saw:   ${check.detail}`);
  }
  if (!all) {
    const areas = [...new Set(checks.map(areaOf))];
    lines.push('', 'by area (held/all):');
    for (const area of areas) {
      const own = checks.filter((c) => areaOf(c) === area);
      lines.push(`  ${area}: ${own.filter((c) => c.result !== 'failed').length}/${own.length}`);
    }
  }
  lines.push(
    '',
    `canaries ${summary.canaries.join(', ')}: rows removed, workspaces deactivated; their ledger stays.`,
    `recorded in the system chain, signed ${signature.alg} (key ${signature.keyId}); check it with: skillhub selftest verify`,
  );
  return `${lines.join('\n')}\n`;
}
