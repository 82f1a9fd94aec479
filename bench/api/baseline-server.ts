/**
 * The baseline server, in a child process: see createBaselineApp. Reads
 * BENCH_OWNER_URL and BENCH_POOL_SIZE (the product's pool size, so both
 * servers may run as many queries at once); waits for the credentials.
 */
import { serve } from '@hono/node-server';
import { openRawPool } from '@skillhub/db/bench';
import { createBaselineApp } from './baseline-app.ts';
import { failChild, receiveCredentials, serveChildProtocol } from './child-protocol.ts';

try {
  const connectionString = process.env.BENCH_OWNER_URL ?? '';
  const max = Number(process.env.BENCH_POOL_SIZE ?? 10);
  const owner = openRawPool({ connectionString, max });
  const replica = openRawPool({ connectionString, max, options: '-c session_replication_role=replica' });
  // Fail now, not on the first request, if the role may not skip triggers.
  await replica.query('select 1');
  const tenants = await receiveCredentials();
  const app = createBaselineApp({ owner, replica }, tenants);
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
    serveChildProtocol(`http://127.0.0.1:${info.port}`, {
      close: async () => {
        await new Promise<void>((done) => server.close(() => done()));
        await Promise.all([owner.end(), replica.end()]);
      },
    });
  });
} catch (error) {
  failChild(error);
}
