import { readSelftestRecords } from '@skillhub/db';
import type { Command } from 'commander';
import { out } from '../output/out.ts';
import { contextKeyFor, resolveDatabase } from '../runtime/resolve-database.ts';
import { withRuntimeDatabase } from '../runtime/runtime-session.ts';
import { formatReport } from '../selftest/format-report.ts';
import { runSelftest } from '../selftest/run-selftest.ts';
import { type SelftestSignature, verifySummary } from '../selftest/signed-result.ts';

interface SelftestCommandOptions {
  url?: string;
  baseDomain?: string;
  json?: boolean;
  all?: boolean;
}

/** `skillhub selftest` (run the isolation self-test) and `skillhub selftest verify` (check recorded results). */
export function registerSelftest(program: Command): void {
  const selftest = program
    .command('selftest')
    .enablePositionalOptions()
    .description(
      'attack tenant isolation from one canary workspace to another, record a signed result; exit 1 on any leak',
    )
    .option('--url <url>', 'a running server to attack over HTTP (default: start one in this process)')
    .option(
      '--base-domain <domain>',
      "the server's base domain for workspace hosts (default: SKILLHUB_BASE_DOMAIN or localhost)",
    )
    .option('--json', 'print the summary, its signature and every check as JSON')
    .option('--all', 'list every check, not only the failed and noted ones')
    .action(async (options: SelftestCommandOptions) => {
      if (options.url && !/^https?:\/\/[^/]+/.test(options.url)) throw new Error(`invalid --url "${options.url}"`);
      const report = await withRuntimeDatabase(async (db, database) =>
        runSelftest({
          db,
          appUrl: database.appUrl,
          ownerUrl: database.ownerUrl,
          contextKey: await contextKeyFor(database),
          url: options.url?.replace(/\/+$/, ''),
          baseDomain: options.baseDomain ?? process.env.SKILLHUB_BASE_DOMAIN,
          onStage: (stage) => process.stderr.write(`selftest: ${stage}\n`),
        }),
      );
      process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report, options.all));
      if (report.summary.failed > 0) process.exitCode = 1;
    });
  selftest
    .command('verify')
    .description('check the signatures and seals of the self-test results recorded in the system chain (as the owner)')
    .option('--limit <n>', 'how many of the newest results', '10')
    .option('--json', 'print the verdicts as JSON')
    .action(async (options: { limit: string; json?: boolean }) => {
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 10_000)
        throw new Error(`invalid --limit "${options.limit}"`);
      const database = await resolveDatabase();
      try {
        const verdicts = (await readSelftestRecords(database.ownerUrl, limit)).map((record) => {
          const { signature, ...summary } = record.details as { signature?: SelftestSignature };
          return {
            eventId: record.eventId,
            recordedAt: record.createdAt.toISOString(),
            run: summary && (summary as { run?: string }).run,
            failed: (summary as { failed?: number }).failed,
            signatureValid: Boolean(signature && record.key && verifySummary(summary, signature, record.key)),
            sealed: record.sealedAt,
          };
        });
        if (options.json) process.stdout.write(`${JSON.stringify(verdicts, null, 2)}\n`);
        else if (verdicts.length === 0) out('no self-test result is recorded');
        for (const v of options.json ? [] : verdicts) {
          out(
            `${v.recordedAt} ${v.eventId} run ${v.run}: ${v.failed === 0 ? 'every check held' : `${v.failed} failed`}, ` +
              `signature ${v.signatureValid ? 'valid' : 'INVALID'}, ` +
              (v.sealed ? `sealed at ${v.sealed.chain} #${v.sealed.position}` : 'not sealed yet'),
          );
        }
        if (verdicts.some((v) => !v.signatureValid)) process.exitCode = 1;
      } finally {
        await database.stop();
      }
    });
}
