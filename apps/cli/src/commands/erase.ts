import type { Command } from 'commander';
import { out } from '../output/out.ts';
import { cliActor } from '../runtime/cli-actor.ts';
import { withRuntimeDatabase } from '../runtime/runtime-session.ts';
import { tenantBySlug } from '../runtime/tenant-by-slug.ts';

interface EraseOptions {
  tenant: string;
  subject: string;
  dryRun?: boolean;
  json?: boolean;
}

/**
 * `skillhub erase`: erases a person's data in one workspace (crypto-
 * shredding, migrations 0046-0047), or with --dry-run reports what would
 * become unreadable. Runs as the system component `cli` through the API's
 * own use case, recorded as `subject.erased` in the workspace's ledger.
 */
export function registerErase(program: Command): void {
  program
    .command('erase')
    .description("erase a person's personal data from a workspace's audit trail and records (crypto-shredding)")
    .requiredOption('--tenant <slug>', 'the tenant (workspace)')
    .requiredOption('--subject <subject>', 'the person: a user id or an email address')
    .option('--dry-run', 'report what would become unreadable; change nothing')
    .option('--json', 'print the report as one JSON line')
    .action(async (options: EraseOptions) => {
      const { eraseDataSubject, toAppError } = await import('@skillhub/core');
      const report = await withRuntimeDatabase(async (db) => {
        const tenant = await tenantBySlug(db, options.tenant);
        return db.withTenant(tenant.id, cliActor(), () =>
          eraseDataSubject({ subject: options.subject, dryRun: options.dryRun === true }),
        );
      }).catch((error: unknown) => {
        // The same words the API answers with (a refusal's code decides them), never a query.
        throw toAppError(error) ?? error;
      });
      if (options.json) {
        out(JSON.stringify(report));
        return;
      }
      const verb = report.dryRun ? 'would become unreadable' : 'unreadable';
      out(`subject ${report.subject} (${report.subjects.length} key id${report.subjects.length === 1 ? '' : 's'})`);
      out(
        `account ${report.account}${report.dryRun && report.account === 'active' ? ' (erasure refused until deactivated)' : ''}`,
      );
      out(`events ${report.events} ${verb}: ${report.fields.join(', ') || 'no fields'}`);
      out(`security-events ${report.securityEvents} ${report.dryRun ? 'would be redacted' : 'redacted'}`);
      out(`sessions ${report.sessions} ${report.dryRun ? 'would be deleted' : 'deleted'}`);
      if (report.eventsInClear > 0)
        out(`events-in-clear ${report.eventsInClear} written before encryption, not erasable`);
      out(`keys ${report.keys} ${report.dryRun ? 'would be destroyed' : 'destroyed'}`);
    });
}
