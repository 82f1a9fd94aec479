/** The command line's reports: one line per problem and a summary line, or JSON (`--json`). */
import type { BundleReport } from '../bundle/check-bundle.ts';
import type { Problem } from '../bundle/problems.ts';
import type { ConsistencyReport } from '../check-consistency.ts';

/** `edited: leaf 3, event 0191…, line 5: …` */
export function formatProblem(problem: Problem): string {
  const where = [
    problem.leafIndex !== undefined ? `leaf ${problem.leafIndex}` : undefined,
    problem.eventId !== undefined ? `event ${problem.eventId}` : undefined,
    problem.line !== undefined ? `line ${problem.line}` : undefined,
  ].filter((part) => part !== undefined);
  return `${problem.kind}: ${where.length > 0 ? `${where.join(', ')}: ` : ''}${problem.message}`;
}

const problemJson = (p: Problem) => ({
  kind: p.kind,
  leaf_index: p.leafIndex ?? null,
  event_id: p.eventId ?? null,
  line: p.line ?? null,
  message: p.message,
});

/**
 * Whether the bundle holds every leaf. An incomplete bundle (a filtered
 * export) says so in its header, which nothing signs: the count of leaves
 * it left out is shown, so that a cut is never silent.
 */
function completeness(report: BundleReport): string {
  if (report.complete) return ' (complete)';
  const byPolicy = (report.removedByPolicy ?? []).reduce((sum, r) => sum + r.endLeaf - r.startLeaf, 0);
  const absent = (report.treeSize ?? 0) - byPolicy - report.eventsChecked;
  return ` (incomplete: ${absent} leaves of the signed tree are not in this bundle and were not checked; --complete requires them)`;
}

/** The human report of a bundle check, as lines. */
export function bundleLines(report: BundleReport, path: string): string[] {
  const removed = (report.removedByPolicy ?? []).map(
    (r) =>
      `removed by policy: leaves ${r.startLeaf} to ${r.endLeaf - 1}, under the signed retention record: ${r.record}`,
  );
  if (report.ok) {
    return [
      ...removed,
      `OK ${path}: ${report.eventsChecked} events checked against the signed tree of ${report.treeSize} leaves` +
        `${completeness(report)}, origin ${report.origin}, root ${report.rootHash}, key ${report.key}`,
    ];
  }
  const lines = report.problems.map(formatProblem);
  const dropped = report.problemCount - report.problems.length;
  if (dropped > 0) lines.push(`... and ${dropped} more problems`);
  lines.push(
    `FAILED ${path}: ${report.problemCount} problem${report.problemCount === 1 ? '' : 's'} in ${report.eventsChecked} events` +
      (report.treeSize !== undefined
        ? ` (signed tree of ${report.treeSize} leaves, origin ${report.origin}, key ${report.key})`
        : ''),
  );
  return lines;
}

/** The JSON report of a bundle check (snake_case, as the API). */
export function bundleJson(report: BundleReport): string {
  return JSON.stringify({
    ok: report.ok,
    events_checked: report.eventsChecked,
    origin: report.origin ?? null,
    tree_size: report.treeSize ?? null,
    root_hash: report.rootHash ?? null,
    key: report.key ?? null,
    complete: report.complete ?? null,
    removed_by_policy: (report.removedByPolicy ?? []).map((r) => ({
      start_leaf: r.startLeaf,
      end_leaf: r.endLeaf,
      removed_at: r.removedAt,
      keep_days: r.keepDays,
      record: r.record,
    })),
    problem_count: report.problemCount,
    problems: report.problems.map(problemJson),
  });
}

/** The human report of a consistency check. */
export function consistencyLines(report: ConsistencyReport): string[] {
  const { older, newer } = report;
  if (report.ok && older && newer) {
    return [
      `OK: ${older.origin} at ${newer.treeSize} leaves (root ${newer.rootHash}) extends ${older.treeSize} leaves (root ${older.rootHash})`,
    ];
  }
  return [...report.problems.map(formatProblem), `FAILED: ${report.problems.map((p) => p.kind).join(', ')}`];
}

/** The JSON report of a consistency check. */
export function consistencyJson(report: ConsistencyReport): string {
  const side = (c: ConsistencyReport['older']) =>
    c ? { origin: c.origin, tree_size: c.treeSize, root_hash: c.rootHash } : null;
  return JSON.stringify({
    ok: report.ok,
    older: side(report.older),
    newer: side(report.newer),
    problems: report.problems.map(problemJson),
  });
}
