import { Writable } from 'node:stream';
import { loadConfig } from '@skillhub/core';
import type { Database } from '@skillhub/db';
import { createTestDatabase, type TestDatabase } from '@skillhub/db/testing';
import pino from 'pino';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startSkillhub } from '../src/index.ts';
import { HttpClient } from './support/http-client.ts';
import { MailInbox, tokenIn } from './support/mail-inbox.ts';

let testDb: TestDatabase;
let db: Database;
const lines: Record<string, unknown>[] = [];
let client: HttpClient;
let close: () => Promise<void>;
let inbox: MailInbox;

beforeAll(async () => {
  testDb = await createTestDatabase();
  inbox = await MailInbox.start();
  db = await testDb.openApp({ checkTenantRouting: true });
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  const server = await startSkillhub({
    db,
    logger: pino({ level: 'info' }, sink),
    config: { ...loadConfig({}), cookieSecure: false, mail: { ...loadConfig({}).mail, smtpUrl: inbox.url } },
    port: 0,
    host: '127.0.0.1',
    sealInBackground: false,
  });
  client = new HttpClient(server.url);
  close = server.close;
});
afterAll(async () => {
  await close();
  await inbox.close();
  await testDb.drop();
});

test('request logs carry request id, tenant and actor, and never a password, token or key', async () => {
  const password = 'a very secret passphrase 42';
  const asked = await client.post('/auth/sign-up', {
    email: 'logs@example.test',
    password,
    displayName: 'Logs',
    workspace: { name: 'Logs', slug: 'logs' },
  });
  expect(asked.status).toBe(202);
  const link = tokenIn(await inbox.waitFor('logs@example.test'), '/verify-email');
  const signUp = await client.post<{ tenantId: string; userId: string }>('/auth/verify-email', { token: link });
  expect(signUp.status).toBe(200);
  const key = await client.post<{ key: string }>('/api-keys', { name: 'ci', scopes: ['skills:read'] });
  expect(key.status).toBe(201);
  await client.get('/skills', { headers: { authorization: `Bearer ${key.body.key}`, 'x-request-id': 'log-check-1' } });
  const cookie = [...client.cookies.values()][0] ?? '';
  const text = JSON.stringify(lines);
  expect(text).not.toContain(password);
  expect(text).not.toContain(link); // mailed through SMTP, so the sign-up link is in no log line
  expect(text).not.toContain(key.body.key);
  expect(cookie.length).toBeGreaterThan(20);
  expect(text).not.toContain(cookie);
  const logged = lines.find((line) => line.requestId === 'log-check-1');
  expect(logged).toMatchObject({ tenantId: signUp.body.tenantId, actorType: 'api_key', status: 200 });
});
