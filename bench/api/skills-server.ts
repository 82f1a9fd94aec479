/**
 * The server under test, in a child process: the real Skillhub API as
 * `skillhub serve` composes it (runtime role, default pool, background audit
 * sealer), with logging silenced. Reads BENCH_APP_URL and BENCH_CONTEXT_KEY; with BENCH_SPLIT=1,
 * the same app with the layers of `--split` added (split-routes.ts); with BENCH_VARIED_STATEMENTS=N
 * (and BENCH_TENANT_ID), its pool first runs N distinct statements (varied-statements.ts).
 */
import { startSkillhub } from '@skillhub/api';
import { loadConfig } from '@skillhub/core';
import { Database } from '@skillhub/db';
import pino from 'pino';
import { failChild, serveChildProtocol } from './child-protocol.ts';
import { startSplitServer } from './split-routes.ts';
import { runVariedStatements } from './varied-statements.ts';

try {
  const db = await Database.open({
    url: process.env.BENCH_APP_URL ?? '',
    contextKey: process.env.BENCH_CONTEXT_KEY ?? '',
  });
  const varied = Number(process.env.BENCH_VARIED_STATEMENTS ?? 0);
  // Again at every settle: the pool closes connections idle for 10 s (while the baseline has its turn).
  const vary = () => (varied > 0 ? runVariedStatements(db, process.env.BENCH_TENANT_ID ?? '', varied) : undefined);
  await vary();
  const config = { ...loadConfig({}), cookieSecure: false };
  const logger = pino({ level: 'silent' });
  const server =
    process.env.BENCH_SPLIT === '1'
      ? await startSplitServer(db, config, logger)
      : await startSkillhub({ db, logger, config, port: 0, host: '127.0.0.1' });
  serveChildProtocol(server.url, {
    settle: async () => {
      await db.sealAuditEvents();
      await vary();
    },
    close: async () => {
      await server.close();
      if (process.env.BENCH_SPLIT === '1') await db.close();
    },
  });
} catch (error) {
  failChild(error);
}
