import type { AppConfig } from '@skillhub/core';
import type { Database } from '@skillhub/db';
import type { Logger } from 'pino';
import { type AppDependencies, createApp } from './create-app.ts';
import { BackgroundRecords } from './errors/background-records.ts';
import { type RunningServer, startServer } from './start-server.ts';

export interface StartSkillhubOptions {
  /** The runtime role's database handle; the server closes it when it stops. */
  db: Database;
  logger: Logger;
  config: AppConfig;
  port: number;
  host: string;
  /** Seal audit events in the background (default true; tests that seal by hand turn it off). */
  sealInBackground?: boolean;
  /** See {@link AppDependencies.checkResponses}. */
  checkResponses?: boolean;
}

export interface SkillhubServer extends RunningServer {
  db: Database;
  /** Resolves once every record the answers did not wait for (probes, refused credentials) is written. */
  settled(): Promise<void>;
}

/**
 * The whole server as `skillhub serve`, the tests and the API benchmark run
 * it: the HTTP app, the records its answers did not wait for, the background
 * audit sealer and the database, stopped in that order (no request, record
 * or sealing pass outlives the pool it uses).
 */
export async function startSkillhub(options: StartSkillhubOptions): Promise<SkillhubServer> {
  const { db, logger, config } = options;
  const sealer =
    (options.sealInBackground ?? true)
      ? db.startAuditSealer({ onError: (err) => logger.error({ err }, 'audit sealing failed') })
      : null;
  const records = new BackgroundRecords(logger);
  let server: RunningServer;
  try {
    const app = createApp({ db, logger, config, records, checkResponses: options.checkResponses ?? false });
    server = await startServer(app, {
      port: options.port,
      host: options.host,
    });
  } catch (error) {
    await sealer?.stop();
    await db.close();
    throw error;
  }
  return {
    url: server.url,
    db,
    settled: () => records.settled(),
    close: async () => {
      await server.close();
      await records.settled();
      await sealer?.stop();
      await db.close();
    },
  };
}
