import { loadConfig } from '@skillhub/core';
import { Database, runMigrations, runtimeRoleFromUrl } from '@skillhub/db';
import { type PrivateCluster, startPrivateCluster } from '@skillhub/db/testing';
import pino from 'pino';
import { afterAll, expect, test } from 'vitest';
import { type SkillhubServer, startSkillhub } from '../src/index.ts';

/**
 * Liveness and readiness across a real PostgreSQL outage (issue 12): while
 * the database is down the process stays up, `/health` answers 200
 * `degraded` (a supervisor must not restart a server a restart cannot
 * help) and `/health/ready` 503 with Retry-After (a load balancer routes
 * around it); both come back by themselves when PostgreSQL does.
 * Before, `/health` answered 503 `unavailable` and there was no readiness.
 */
let cluster: PrivateCluster | undefined;
let server: SkillhubServer | undefined;

afterAll(async () => {
  await server?.close();
  await cluster?.destroy();
});

const get = async (path: string) => {
  const started = performance.now();
  const response = await fetch(`${server?.url}${path}`, { signal: AbortSignal.timeout(10_000) });
  return {
    status: response.status,
    body: (await response.json()) as unknown,
    retryAfter: response.headers.get('retry-after'),
    ms: performance.now() - started,
  };
};

test('/health reports degraded and /health/ready 503 while PostgreSQL is down, both recover without a restart', async () => {
  cluster = await startPrivateCluster();
  await runMigrations(cluster.ownerUrl, runtimeRoleFromUrl(cluster.appUrl));
  const db = await Database.open({
    url: cluster.appUrl,
    contextKey: await cluster.contextKey(),
    acquireTimeoutMs: 2_000,
  });
  server = await startSkillhub({
    db,
    logger: pino({ level: 'silent' }),
    config: loadConfig({}),
    port: 0,
    host: '127.0.0.1',
    shutdownGraceMs: 2_000,
  });

  expect(await get('/health')).toMatchObject({ status: 200, body: { status: 'ok', database: 'reachable' } });
  expect(await get('/health/ready')).toMatchObject({ status: 200, body: { status: 'ok', database: 'reachable' } });

  await cluster.crash();
  const live = await get('/health');
  const ready = await get('/health/ready');
  expect(live).toMatchObject({ status: 200, body: { status: 'degraded', database: 'unreachable' } });
  expect(ready).toMatchObject({
    status: 503,
    body: { status: 'unavailable', database: 'unreachable' },
    retryAfter: '5',
  });
  // Promptly: the bounded wait for a connection, not a hang.
  expect(Math.max(live.ms, ready.ms)).toBeLessThan(6_000);

  await cluster.restart();
  const deadline = Date.now() + 30_000;
  while ((await get('/health/ready')).status !== 200) {
    if (Date.now() > deadline) throw new Error('/health/ready did not recover within 30 s of the restart');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  expect(await get('/health')).toMatchObject({ status: 200, body: { status: 'ok', database: 'reachable' } });
}, 120_000);
