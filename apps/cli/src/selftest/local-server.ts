import { Database } from '@skillhub/db';
import { listenUrlFromEnv } from '../runtime/listen-url.ts';

export interface ServerUnderTest {
  url: string;
  /** `<slug>.<baseDomain>` enters a workspace on it. */
  baseDomain: string;
  close(): Promise<void>;
}

/**
 * The server as `skillhub serve` composes it (`startSkillhub`, the runtime
 * role's pool, the same configuration), in this process on an ephemeral
 * port of 127.0.0.1: what the self-test attacks over HTTP when no `--url`
 * names a running one.
 */
export async function startLocalServer(appUrl: string, contextKey: string): Promise<ServerUnderTest> {
  const [{ startSkillhub }, { loadConfig }, { default: pino }] = await Promise.all([
    import('@skillhub/api'),
    import('@skillhub/core'),
    import('pino'),
  ]);
  const config = loadConfig();
  const db = await Database.open({ url: appUrl, contextKey, listenUrl: listenUrlFromEnv() });
  const server = await startSkillhub({
    db,
    logger: pino({ level: process.env.LOG_LEVEL ?? 'silent' }),
    config,
    port: 0,
    host: '127.0.0.1',
  });
  return { url: server.url, baseDomain: config.baseDomain, close: () => server.close() };
}
