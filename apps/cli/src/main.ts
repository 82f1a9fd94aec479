import { Command, CommanderError } from 'commander';
import { registerMigrate } from './commands/migrate.ts';
import { registerServe } from './commands/serve.ts';

const program = new Command('skillhub')
  .description('Skillhub: a multi-tenant skills catalog on PostgreSQL row level security')
  .exitOverride()
  .configureOutput({ writeErr: (text) => process.stderr.write(text) });

registerServe(program);
registerMigrate(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exit(error.exitCode);
  }
  // One line, no stack trace: the message is written for the person at the terminal.
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`skillhub: ${message}\n`);
  process.exit(1);
}
