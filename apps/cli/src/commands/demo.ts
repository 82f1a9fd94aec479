import type { Command } from 'commander';
import { parsePositiveInteger } from '../runtime/parse-options.ts';
import { withRuntimeDatabase } from '../runtime/runtime-session.ts';

/** `skillhub demo [--scale N]`: a living demo in one command, or bulk data for benchmarks. */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description(
      'load three demo workspaces (acme, globex, initech) through the real use cases, so their audit trail, ' +
        'security events and sign-in throttle are real; prints each owner’s password once; tenants that exist are skipped',
    )
    .option(
      '--scale <tenants>',
      'also generate this many bulk tenants of 1,000 skills each for benchmarks (scale-1 …): fast set-based SQL ' +
        'in each tenant’s context rather than one use case per row; change capture still records every row',
      parsePositiveInteger,
    )
    .action(async (options: { scale?: number }) => {
      // Loaded here: the other commands start faster without the API and the demo catalog.
      const { loadDemo } = await import('../demo/load-demo.ts');
      await withRuntimeDatabase((db, database) => loadDemo(db, { scale: options.scale, embedded: database.embedded }), {
        migrate: true,
      });
    });
}
