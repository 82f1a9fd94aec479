import { randomBytes } from 'node:crypto';
import { type AppConfig, fixedServerKeys, loadConfig } from '@skillhub/core';
import type { Database } from '@skillhub/db';
import { createTestDatabase, type TestDatabase } from '@skillhub/db/testing';
import pino from 'pino';
import { type SkillhubServer, startSkillhub } from '../../src/index.ts';
import { HttpClient } from './http-client.ts';

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
  close(): Promise<void>;
}

/** The real server on a free port of 127.0.0.1, over a fresh test database. */
export async function startTestServer(overrides: Partial<AppConfig> = {}): Promise<TestServer> {
  const testDb = await createTestDatabase();
  const db = await testDb.openApp({ maxConnections: 8 });
  // Keys of its own, in memory: a test server never writes a key file.
  const keys = fixedServerKeys({ secrets: [randomBytes(32)], deviceCookie: randomBytes(32) });
  const config = { ...loadConfig({}), cookieSecure: false, keys, ...overrides };
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const server = await startSkillhub({
    db,
    logger,
    config,
    port: 0,
    host: '127.0.0.1',
    sealInBackground: false,
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
    close: async () => {
      await server.close();
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

/** Signs up a new user who creates workspace `slug`; returns a client holding their session. */
export async function signUpOwner(
  t: TestServer,
  slug: string,
  email = `owner-${++counter}@${slug}.test`,
): Promise<SignedUpUser> {
  const client = t.client.fork();
  const password = 'correct horse battery staple';
  const response = await client.post<{ userId: string; tenantId: string }>('/auth/sign-up', {
    email,
    password,
    displayName: 'Owner',
    workspace: { name: slug, slug },
  });
  if (response.status !== 201) throw new Error(`sign-up failed: ${response.status} ${response.text}`);
  return { client, userId: response.body.userId, tenantId: response.body.tenantId, email, password };
}
