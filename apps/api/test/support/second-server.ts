import type { Database } from '@skillhub/db';
import pino from 'pino';
import { type SkillhubServer, startSkillhub } from '../../src/index.ts';
import { HttpClient } from './http-client.ts';
import { startTestServer, type TestServer } from './test-server.ts';

/** A second server process's stand-in: its own Database (pool, credential cache, listener) on the same database. */
export interface SecondServer {
  db: Database;
  server: SkillhubServer;
  /** The same credential (API key header or session cookie) presented to this server. */
  as(client: HttpClient): HttpClient;
  /** Closes this server, then the first one. */
  close(): Promise<void>;
}

/**
 * Starts a test server and a second one beside it on the same database, the second caching credentials for
 * `credentialTtlMs` and listening for their changes before this returns.
 */
export async function startTwoServers(credentialTtlMs: number): Promise<{ t: TestServer; b: SecondServer }> {
  const t = await startTestServer();
  const b = await startBeside(t, await t.testDb.openApp({ checkTenantRouting: true, credentialTtlMs }));
  return { t, b };
}

/**
 * A second server beside `t`, with `t`'s configuration, on `db` (opened by the caller: through a proxy, with
 * other timings); it listens for credential changes before this returns.
 */
export async function startBeside(t: TestServer, db: Database): Promise<SecondServer> {
  const server = await startSkillhub({
    db,
    logger: pino({ level: 'silent' }),
    config: t.config,
    port: 0,
    host: '127.0.0.1',
    sealInBackground: false,
    checkResponses: true,
  });
  await db.credentials.ready();
  return {
    db,
    server,
    as(client) {
      const other = new HttpClient(server.url, client.defaults);
      for (const [name, value] of client.cookies) other.cookies.set(name, value);
      return other;
    },
    async close() {
      await server.close();
      await t.close();
    },
  };
}
