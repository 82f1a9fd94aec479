import { type CheckResult, runDoctor } from '@skillhub/db';
import type { Command } from 'commander';
import { progressBar } from '../output/progress.ts';
import { formatTable } from '../output/table.ts';
import { resolveDatabase } from '../runtime/resolve-database.ts';

/** `skillhub doctor`: checks a live database against the isolation and audit rules; exit 1 on any error. */
export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('check the database for anything that would weaken tenant isolation or the audit ledger')
    .option('--json', 'print every finding as JSON')
    .option('--all', 'list each passing target instead of one line per passing check')
    .action(async (options: { json?: boolean; all?: boolean }) => {
      const database = await resolveDatabase();
      try {
        const bar = options.json ? null : progressBar('verifying the audit chain', 'events');
        const results = await runDoctor({
          ownerUrl: database.ownerUrl,
          runtimeRole: database.appRole.name,
          onAuditProgress: (checked, total) => bar?.update(checked, total),
        }).finally(() => bar?.stop());
        process.stdout.write(options.json ? `${JSON.stringify(results, null, 2)}\n` : report(results, options.all));
        if (results.some((r) => !r.ok && r.severity === 'error')) process.exitCode = 1;
      } finally {
        await database.stop();
      }
    });
}

/** What a check cannot see is printed beside it, passed or not. */
const noteLines = (r: CheckResult) => (r.note ? [`    note: ${r.note}`] : []);

const status = (r: CheckResult) => (r.ok ? 'ok' : r.severity === 'error' ? 'FAIL' : 'WARN');

/**
 * One row per finding that needs attention, each followed by what is wrong
 * and how to fix it; passing targets of a check fold into one row unless
 * `all` asks for each.
 */
function report(results: CheckResult[], all = false): string {
  const rows: string[][] = [];
  const notes = new Map<number, string[]>();
  const checks = [...new Set(results.map((r) => r.check))];
  for (const check of checks) {
    const own = results.filter((r) => r.check === check);
    const passed = own.filter((r) => r.ok);
    for (const r of own.filter((r) => !r.ok)) {
      notes.set(rows.length, [`    ${r.detail}`, `    fix: ${r.fix}`, ...noteLines(r)]);
      rows.push([r.check, r.target, r.severity, status(r)]);
    }
    if (all || passed.length === 1) {
      for (const r of passed) {
        notes.set(rows.length, noteLines(r));
        rows.push([r.check, r.target, r.severity, 'ok']);
      }
    } else if (passed.length > 1) {
      const severity = passed[0]?.severity ?? 'error';
      rows.push([check, `${passed.length} ${passed.length < own.length ? 'others' : 'targets'}`, severity, 'ok']);
    }
  }
  const table = formatTable(['check', 'target', 'severity', 'status'], rows).split('\n');
  // Table line 0 is the header; row i is line i + 1.
  const lines = table.flatMap((line, i) => (line ? [line, ...(notes.get(i - 1) ?? [])] : []));
  const failed = results.filter((r) => !r.ok && r.severity === 'error').length;
  const warned = results.filter((r) => !r.ok && r.severity === 'warning').length;
  const summary = `${results.length} findings: ${results.length - failed - warned} passed, ${failed} failed, ${warned} with a warning`;
  return `${lines.join('\n')}\n\n${summary}\n`;
}
