// How mail leaves: with no SMTP server configured (the embedded default) each
// message lands in a file under SKILLHUB_HOME and in the server log, link
// included, so a sign-up can be finished; a mail server that fails never
// turns a committed sign-up into an error.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { type AppConfig, loadConfig } from '@skillhub/core';
import { createTestDatabase, type TestDatabase } from '@skillhub/db/testing';
import pino from 'pino';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type SkillhubServer, startSkillhub } from '../src/index.ts';
import { HttpClient } from './support/http-client.ts';

let testDb: TestDatabase;
let home: string;
const started: SkillhubServer[] = [];

beforeAll(async () => {
  testDb = await createTestDatabase();
  home = await mkdtemp(path.join(os.tmpdir(), 'skillhub-mail-'));
});
afterAll(async () => {
  for (const server of started) await server.close();
  await testDb.drop();
  await rm(home, { recursive: true, force: true });
});

/** A server whose log lines are collected in `lines`. */
async function serve(mail: Partial<AppConfig['mail']>) {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  const defaults = loadConfig({ SKILLHUB_HOME: home });
  const server = await startSkillhub({
    db: await testDb.openApp({ checkTenantRouting: true, maxConnections: 2 }),
    logger: pino({ level: 'info' }, sink),
    config: { ...defaults, cookieSecure: false, mail: { ...defaults.mail, ...mail } },
    port: 0,
    host: '127.0.0.1',
    sealInBackground: false,
  });
  started.push(server);
  return { client: new HttpClient(server.url), lines };
}

const signUp = (client: HttpClient, slug: string) =>
  client.post('/auth/sign-up', {
    email: `${slug}@mail.test`,
    password: 'correct horse battery staple',
    displayName: slug,
    workspace: { name: slug, slug },
  });

async function waitFor<T>(find: () => Promise<T | undefined> | T | undefined): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const found = await find();
    if (found !== undefined) return found;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('gave up waiting');
}

test('without SMTP, the mail is written under SKILLHUB_HOME/mail and logged with its link, which finishes the sign-up', async () => {
  const { client, lines } = await serve({ smtpUrl: null });
  expect((await signUp(client, 'outbox')).status).toBe(202);

  const outbox = path.join(home, 'mail');
  const file = await waitFor(async () =>
    (await readdir(outbox).catch(() => [] as string[])).find((name) => name.includes('outbox@mail.test')),
  );
  expect(file).toMatch(/^\d{4}-\d\d-\d\dT[\d-]+Z-outbox@mail\.test-[0-9a-f]{4}\.eml$/);
  const eml = await readFile(path.join(outbox, file), 'utf8');
  expect(eml).toMatch(/^Subject: Confirm your email/m);
  expect(eml).toMatch(/^To: outbox@mail\.test$/m);

  const logged = await waitFor(() => lines.find((line) => line.msg === 'mail kept in the outbox'));
  expect(logged).toMatchObject({ level: 30, to: 'outbox@mail.test', file: path.join(outbox, file) });
  const link = String(logged.text).match(/http:\/\/\S+\/console\/verify-email\?token=([A-Za-z0-9_-]+)/);
  expect(link?.[0].startsWith('http://127.0.0.1:')).toBe(true);
  const verified = await client.post('/auth/verify-email', { token: link?.[1] });
  expect(verified.status, verified.text).toBe(200);
  expect((await client.get('/auth/me')).body).toMatchObject({ tenant: { slug: 'outbox' } });
});

test('a mail server that refuses is logged; the sign-up is still answered 202 and kept', async () => {
  const { client, lines } = await serve({ smtpUrl: 'smtp://127.0.0.1:9/?connectionTimeout=2000' });
  const response = await signUp(client, 'unsent');
  expect(response.status, response.text).toBe(202);
  const failure = await waitFor(() => lines.find((line) => line.msg === 'mail not sent'));
  expect(failure).toMatchObject({ level: 50, to: 'unsent@mail.test' });
  const { rows } = await testDb.ownerQuery(`select from platform.sign_up_requests where email = 'unsent@mail.test'`);
  expect(rows).toHaveLength(1);
});
