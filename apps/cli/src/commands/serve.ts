import { Database, systemActor } from '@skillhub/db';
import type { Command } from 'commander';
import { listenUrlFromEnv } from '../runtime/listen-url.ts';
import { contextKeyFor, migrateResolved, resolveDatabase, skillhubHome } from '../runtime/resolve-database.ts';
import { assertNoServerRunning, recordRunningServer } from '../runtime/server-lock.ts';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description(
      'migrate the database, then serve the API and console (embedded PostgreSQL unless DATABASE_URL is set)',
    )
    .option('--port <port>', 'HTTP port (default: PORT or 3000)')
    .option('--host <host>', 'HTTP host (default: HOST or 127.0.0.1)')
    .action(async (options: { port?: string; host?: string }) => {
      const port = Number(options.port ?? process.env.PORT ?? 3000);
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new Error(`invalid port "${options.port ?? process.env.PORT}"`);
      const host = options.host ?? process.env.HOST ?? '127.0.0.1';
      // Loaded here, not at the top: the other commands start faster without the API.
      const [{ startSkillhub }, { loadConfig, reencryptMfaSecrets }, { default: pino }] = await Promise.all([
        import('@skillhub/api'),
        import('@skillhub/core'),
        import('pino'),
      ]);
      const logger = pino({ level: process.env.LOG_LEVEL ?? 'info' });
      const home = skillhubHome();
      if (!process.env.DATABASE_URL) await assertNoServerRunning(home);
      // Shutdown is ordered here (HTTP, sealer, pool, then the database), not by the database's own signal hook.
      const database = await resolveDatabase(process.env, { stopOnSignal: false });
      const cleanup: (() => Promise<void>)[] = [database.stop];
      const shutdown = async () => {
        for (const step of cleanup.reverse()) await step().catch(() => {});
      };
      try {
        const migrated = await migrateResolved(database);
        if (migrated.applied.length > 0) logger.info({ applied: migrated.applied }, 'migrations applied');
        const config = loadConfig();
        const db = await Database.open({
          url: database.appUrl,
          contextKey: await contextKeyFor(database),
          listenUrl: listenUrlFromEnv(),
          onBackgroundError: (err, what) => logger.warn({ err }, what),
          onRanAgain: (err) =>
            logger.warn({ err }, 'a transaction lost its database connection and ran again on another'),
        });
        // Before the first request: no plain or stale-key TOTP secret stays in the database.
        const sealed = await reencryptMfaSecrets(db, config.keys.secrets(), systemActor('serve')).catch(
          async (error: unknown) => {
            await db.close();
            throw error;
          },
        );
        if (sealed.resealed > 0) logger.info({ resealed: sealed.resealed }, 'TOTP secrets sealed with the current key');
        // Links in mail point at this server unless a public URL is configured.
        if (!process.env.SKILLHUB_PUBLIC_URL) {
          config.publicUrl = `http://${['0.0.0.0', '::'].includes(host) ? '127.0.0.1' : host}:${port}`;
        }
        const server = await startSkillhub({ db, logger, config, port, host });
        cleanup.push(() => server.close());
        if (database.embedded) cleanup.push(await recordRunningServer(home, server.url));
        process.stdout.write(
          `Skillhub is running at ${server.url}${database.embedded ? ' (embedded PostgreSQL)' : ''}\n` +
            `Console: ${server.url}/console/\n`,
        );
      } catch (error) {
        await shutdown();
        throw error;
      }
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      process.stdout.write('Shutting down...\n');
      await shutdown();
    });
}
