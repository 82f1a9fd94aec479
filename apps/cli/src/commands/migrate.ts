import { migrationStatus } from '@skillhub/db';
import type { Command } from 'commander';
import { migrateResolved, resolveDatabase } from '../runtime/resolve-database.ts';

export function registerMigrate(program: Command): void {
  const migrate = program.command('migrate').description('apply or inspect database migrations');
  migrate
    .command('up', { isDefault: true })
    .description('apply pending migrations and create or verify the runtime role')
    .action(async () => {
      const database = await resolveDatabase();
      try {
        const result = await migrateResolved(database);
        for (const tag of result.applied) process.stdout.write(`applied  ${tag}\n`);
        process.stdout.write(
          `${result.applied.length} applied, ${result.alreadyApplied} already up to date; runtime role ${result.runtimeRole?.name} ${result.runtimeRole?.created ? 'created' : 'verified'}\n`,
        );
      } finally {
        await database.stop();
      }
    });
  migrate
    .command('status')
    .description('list migrations and whether each is applied')
    .action(async () => {
      const database = await resolveDatabase();
      try {
        const status = await migrationStatus(database.ownerUrl);
        for (const entry of status) process.stdout.write(`${entry.appliedAt ? 'applied' : 'pending'}  ${entry.tag}\n`);
        const pending = status.filter((s) => !s.appliedAt).length;
        process.stdout.write(pending === 0 ? 'up to date\n' : `${pending} pending\n`);
      } finally {
        await database.stop();
      }
    });
}
