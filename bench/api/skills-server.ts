/**
 * The server under test, in a child process: the real Skillhub API as
 * `skillhub serve` composes it (runtime role, default pool, background audit
 * sealer), with logging silenced. Reads BENCH_APP_URL and BENCH_CONTEXT_KEY.
 */
import { startSkillhub } from '@skillhub/api';
import { loadConfig } from '@skillhub/core';
import { Database } from '@skillhub/db';
import pino from 'pino';
import { failChild, serveChildProtocol } from './child-protocol.ts';

try {
  const db = await Database.open({
    url: process.env.BENCH_APP_URL ?? '',
    contextKey: process.env.BENCH_CONTEXT_KEY ?? '',
  });
  const config = { ...loadConfig({}), cookieSecure: false };
  const server = await startSkillhub({ db, logger: pino({ level: 'silent' }), config, port: 0, host: '127.0.0.1' });
  serveChildProtocol(server.url, {
    settle: async () => void (await db.sealAuditEvents()),
    close: async () => {
      await server.close();
    },
  });
} catch (error) {
  failChild(error);
}
