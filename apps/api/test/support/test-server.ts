import { randomBytes } from 'node:crypto';
import { type AppConfig, fixedServerKeys, loadConfig } from '@skillhub/core';
import type { Database } from '@skillhub/db';
import { createTestDatabase, type TestDatabase } from '@skillhub/db/testing';
import pino from 'pino';
import { type SkillhubServer, startSkillhub } from '../../src/index.ts';
import { HttpClient } from './http-client.ts';
import { MailInbox, tokenIn } from './mail-inbox.ts';

export interface TestServer {
  testDb: TestDatabase;
  db: Database;
  server: SkillhubServer;
  /** The configuration it runs with (its keys are in memory, its own). */
  config: AppConfig;
  /** A client for the bare host (no workspace subdomain). */
  client: HttpClient;
  /** Host header for a workspace's subdomain on this server. */
  hostFor(slug: string): string;
  /** The SMTP server the test server sends its mail to. */
  inbox: MailInbox;
  close(): Promise<void>;
}

/**
 * The real server on a free port of 127.0.0.1, over a fresh test database,
 * mailing through a real SMTP server of its own. Sign-ups are not throttled
 * unless `overrides` says so (tests sign many workspaces up from one IP).
 * `background` runs the audit sealer and sink delivery as `skillhub serve` does.
 */
export async function startTestServer(
  overrides: Partial<AppConfig> = {},
  options: { background?: boolean } = {},
): Promise<TestServer> {
  const testDb = await createTestDatabase();
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const db = await testDb.openApp({
    checkTenantRouting: true,
    maxConnections: 8,
    onBackgroundError: (err, what) => logger.error({ err }, what),
  });
  const inbox = await MailInbox.start();
  const defaults = loadConfig({});
  // Keys of its own, in memory: a test server never writes a key file.
  const keys = fixedServerKeys({ secrets: [randomBytes(32)], deviceCookie: randomBytes(32) });
  const config: AppConfig = {
    ...defaults,
    cookieSecure: false,
    keys,
    mail: { ...defaults.mail, smtpUrl: inbox.url },
    signUpThrottle: { maxPerIp: 10_000, windowMinutes: 15 },
    ...overrides,
  };
  const server = await startSkillhub({
    db,
    logger,
    config,
    port: 0,
    host: '127.0.0.1',
    // Tests seal by hand unless they ask for the server's background work (sealing, sink delivery).
    sealInBackground: options.background ?? false,
    checkResponses: true,
  });
  const port = new URL(server.url).port;
  return {
    testDb,
    db,
    server,
    config,
    client: new HttpClient(server.url),
    hostFor: (slug) => `${slug}.${config.baseDomain}:${port}`,
    inbox,
    close: async () => {
      await server.close();
      await inbox.close();
      await testDb.drop();
    },
  };
}

export interface SignedUpUser {
  client: HttpClient;
  userId: string;
  tenantId: string;
  email: string;
  password: string;
}

let counter = 0;

export interface SignUpBody {
  email: string;
  password: string;
  displayName: string;
  workspace?: { name: string; slug: string };
}

/**
 * A sign-up as a person goes through it: asks, opens the link mailed to the
 * address (the next one, not one from an earlier sign-up), and posts its
 * token to /auth/verify-email from `client`, which then holds the session
 * on success. Returns that last answer.
 */
export async function signUpByMail(t: TestServer, client: HttpClient, body: SignUpBody) {
  const confirmations = () => t.inbox.mailTo(body.email).filter((m) => /^Confirm/.test(m.subject)).length;
  const before = confirmations();
  const asked = await client.post('/auth/sign-up', body);
  if (asked.status !== 202) throw new Error(`sign-up failed: ${asked.status} ${asked.text}`);
  const mail = await t.inbox.waitFor(body.email, /^Confirm/, before + 1);
  return client.post<{ userId: string; tenantId: string; tenantSlug: string; role: string }>('/auth/verify-email', {
    token: tokenIn(mail, '/verify-email'),
  });
}

/**
 * Signs up a new user who creates workspace `slug` through the mailed link
 * (see {@link signUpByMail}); returns a client holding their session.
 */
export async function signUpOwner(
  t: TestServer,
  slug: string,
  email = `owner-${++counter}@${slug}.test`,
): Promise<SignedUpUser> {
  const client = t.client.fork();
  const password = 'correct horse battery staple';
  const verified = await signUpByMail(t, client, {
    email,
    password,
    displayName: 'Owner',
    workspace: { name: slug, slug },
  });
  if (verified.status !== 200) throw new Error(`verification failed: ${verified.status} ${verified.text}`);
  return { client, userId: verified.body.userId, tenantId: verified.body.tenantId, email, password };
}
