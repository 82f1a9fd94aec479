import net from 'node:net';
import { loadConfig } from '@skillhub/core';
import { createTestDatabase } from '@skillhub/db/testing';
import pino from 'pino';
import { expect, test } from 'vitest';
import { startSkillhub } from '../src/index.ts';

/**
 * Regression: shutdown waited for every connection and for the pool, so a
 * client that never finished its request (or a stuck pool) kept
 * `skillhub serve` alive after SIGTERM.
 */
test('close() finishes within its grace period even while a client holds a request open', async () => {
  const testDb = await createTestDatabase();
  const server = await startSkillhub({
    db: await testDb.openApp({ checkTenantRouting: true }),
    logger: pino({ level: 'silent' }),
    config: loadConfig({}),
    port: 0,
    host: '127.0.0.1',
    shutdownGraceMs: 500,
  });
  const { port, hostname } = new URL(server.url);
  const socket = net.connect(Number(port), hostname);
  socket.on('error', () => {});
  await new Promise((resolve) => socket.once('connect', resolve));
  // Headers never finished: the request stays in flight until the server gives up on it.
  socket.write('GET /health HTTP/1.1\r\nHost: localhost\r\n');
  await new Promise((resolve) => setTimeout(resolve, 100));
  const started = performance.now();
  await server.close();
  expect(performance.now() - started).toBeLessThan(3_000);
  socket.destroy();
  await testDb.drop();
});
