import { defaultMonthsAhead, maintainLedger } from '@skillhub/db';
import type { Command } from 'commander';
import { resolveDatabase } from '../runtime/resolve-database.ts';

const month = (d: Date) => d.toISOString().slice(0, 7);
const day = (d: Date) => d.toISOString().slice(0, 10);
const ms = (value: number) => `${Math.round(value)} ms`;

/**
 * `skillhub maintain`: creates the ledger's monthly partitions ahead of time
 * and rewrites the oldest closed month not yet in tenant order (the server
 * also does both, hourly); `--no-order` skips the rewrite.
 */
export function registerMaintain(program: Command): void {
  program
    .command('maintain')
    .description(
      "create the audit ledger's monthly partitions for this month and the months ahead, and rewrite the oldest closed month in tenant order",
    )
    .option('--months <n>', `months after the current one to cover (0-24, default ${defaultMonthsAhead})`)
    .option('--at <time>', 'take this time (ISO 8601) as now, to prepare for a date ahead')
    .option('--no-order', 'leave every month as written (by default one closed month is rewritten in tenant order)')
    .option('--json', 'print the months made sure of, the month ordered, and every ledger partition as JSON')
    .action(async (options: { months?: string; at?: string; order: boolean; json?: boolean }) => {
      const monthsAhead = options.months === undefined ? defaultMonthsAhead : Number(options.months);
      if (!/^\d+$/.test(options.months ?? '0') || monthsAhead > 24) {
        throw new Error(`--months must be a whole number from 0 to 24 (got "${options.months}")`);
      }
      const at = options.at === undefined ? undefined : new Date(options.at);
      if (at && (Number.isNaN(at.getTime()) || at.getUTCFullYear() < 2000 || at.getUTCFullYear() > 9999)) {
        throw new Error(`--at must be a date and time between the years 2000 and 9999 (got "${options.at}")`);
      }
      const database = await resolveDatabase();
      try {
        const result = await maintainLedger(database.ownerUrl, { monthsAhead, at, order: options.order });
        if (options.json) {
          process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
          return;
        }
        const created = result.months.filter((m) => m.created);
        for (const m of created) process.stdout.write(`created  ${m.partition}  ${day(m.from)} to ${day(m.to)}\n`);
        const first = result.months[0];
        const last = result.months.at(-1);
        if (first && last) {
          process.stdout.write(
            `${created.length} created; audit_logs and security_events have partitions for ${month(first.from)} to ${month(last.from)}\n`,
          );
        }
        const done = result.ordered;
        if (done?.ordered) {
          process.stdout.write(
            `ordered  ${done.partition}  ${done.events} events in tenant order (copy ${ms(done.copyMs)}, indexes ${ms(done.indexMs)}, proof ${ms(done.proofMs)}, swap ${ms(done.swapMs)})\n`,
          );
        }
        const closed = result.order.filter((m) => m.closed);
        const ordered = closed.filter((m) => m.ordered).map((m) => m.partition);
        process.stdout.write(
          `${ordered.length} of ${closed.length} closed months of audit_logs in tenant order${ordered.length > 0 ? `: ${ordered.join(', ')}` : ''}\n`,
        );
      } finally {
        await database.stop();
      }
    });
}
