import {
  type AppConfig,
  checkpointSigner,
  createMailDispatcher,
  type MailDispatcher,
  startAuditSinkWorker,
  startRetentionLoop,
} from '@skillhub/core';
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
  /** Make sure of the ledger's monthly partitions at start and hourly (default true). */
  maintainPartitions?: boolean;
  /** Deliver audit sinks in the background (default: as `sealInBackground`). */
  deliverSinks?: boolean;
  /** Apply retention every `config.retention.intervalMs` (default: as `sealInBackground`). */
  applyRetention?: boolean;
  /** See {@link AppDependencies.checkResponses}. */
  checkResponses?: boolean;
  /** How long close() lets requests in flight finish, and then the pool drain; default 10 s each. */
  shutdownGraceMs?: number;
  /** How mail leaves (default: from `config.mail`); the server closes it when it stops. */
  mail?: MailDispatcher;
}

export interface SkillhubServer extends RunningServer {
  db: Database;
  /** Resolves once every record the answers did not wait for (probes, refused credentials) is written. */
  settled(): Promise<void>;
}

/**
 * The whole server as `skillhub serve`, the tests and the API benchmark run
 * it: the HTTP app, the records its answers did not wait for, the mail still
 * on its way, the retention loop, the audit sink delivery, the ledger's partition
 * maintenance, the background audit sealer and the database, stopped in that
 * order (no request, record, mail or sealing pass outlives what it uses).
 */
export async function startSkillhub(options: StartSkillhubOptions): Promise<SkillhubServer> {
  const { db, logger, config } = options;
  const graceMs = options.shutdownGraceMs ?? 10_000;
  const mail = options.mail ?? createMailDispatcher(config, logger);
  const sealer =
    (options.sealInBackground ?? true)
      ? db.startAuditSealer({
          onError: (err) => logger.error({ err }, 'audit sealing or checkpoint signing failed'),
          checkpoints: checkpointSigner(config),
        })
      : null;
  // Awaited before serving: a server started on the last evening of a month
  // must not take writes for the next one without its partition.
  const partitions =
    (options.maintainPartitions ?? true)
      ? db.startPartitionMaintainer({
          onCreated: (created) =>
            logger.info({ partitions: created.map((m) => m.partition) }, 'ledger partitions created'),
          onError: (err) => logger.error({ err }, 'creating the ledger partitions ahead failed; retried hourly'),
        })
      : null;
  await partitions?.started;
  const sinks =
    (options.deliverSinks ?? options.sealInBackground ?? true)
      ? startAuditSinkWorker(db, {
          ...config.sinks,
          // Read when a sink is first delivered, as the MFA secrets' ring is.
          get secrets() {
            return config.keys.secrets();
          },
          webhooks: { allowPrivateNetwork: config.sinks.allowPrivateNetwork, timeoutMs: config.sinks.timeoutMs },
          budgetMs: (config.sinks.leaseSeconds * 1000) / 2,
          onError: (err) => logger.error({ err }, 'audit sink delivery failed'),
        })
      : null;
  const retention =
    (options.applyRetention ?? options.sealInBackground ?? true)
      ? startRetentionLoop(
          db,
          config,
          (err) => logger.error({ err }, 'audit retention failed'),
          (tenantId, events) => logger.info({ tenantId, events }, 'audit retention removed expired events'),
          (partition, events) => logger.info({ partition, events }, 'audit retention retired a ledger month'),
        )
      : null;
  const records = new BackgroundRecords(logger);
  let server: RunningServer;
  try {
    const app = createApp({ db, logger, config, mail, records, checkResponses: options.checkResponses ?? false });
    server = await startServer(app, { port: options.port, host: options.host, shutdownGraceMs: graceMs });
  } catch (error) {
    await mail.close();
    await retention?.stop();
    await sinks?.stop();
    await partitions?.stop();
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
      await mail.close();
      await retention?.stop();
      await sinks?.stop();
      await partitions?.stop();
      await sealer?.stop();
      // A statement stuck on the database keeps its client checked out and the
      // pool from ending; the process must still be able to exit.
      let timer: NodeJS.Timeout | undefined;
      const drained = await Promise.race([
        db.close().then(() => true),
        new Promise<false>((resolve) => {
          timer = setTimeout(() => resolve(false), graceMs);
        }),
      ]);
      clearTimeout(timer);
      if (!drained) logger.warn({ graceMs }, 'database connections still busy at shutdown; leaving them');
    },
  };
}
