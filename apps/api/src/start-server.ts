import { serve } from '@hono/node-server';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from './app-env.ts';

export interface RunningServer {
  url: string;
  /** Stops accepting, lets requests in flight finish for the grace period, then drops what is left. */
  close(): Promise<void>;
}

export interface ListenOptions {
  port: number;
  host: string;
  /** How long close() waits for requests in flight before dropping their connections; default 10 s. */
  shutdownGraceMs?: number;
}

/** Listens on host:port; rejects with a readable error when the port is taken. */
export function startServer(app: OpenAPIHono<AppEnv>, options: ListenOptions): Promise<RunningServer> {
  const graceMs = options.shutdownGraceMs ?? 10_000;
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port: options.port, hostname: options.host }, (info) => {
      const host = info.address.includes(':') ? `[${info.address}]` : info.address;
      resolve({
        url: `http://${host}:${info.port}`,
        close: () =>
          new Promise((done) => {
            // A stalled client or a request stuck on the database must not keep the process alive.
            const force = setTimeout(() => {
              if ('closeAllConnections' in server) server.closeAllConnections();
            }, graceMs);
            server.close(() => {
              clearTimeout(force);
              done();
            });
            if ('closeIdleConnections' in server) server.closeIdleConnections();
          }),
      });
    });
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        new Error(
          error.code === 'EADDRINUSE'
            ? `port ${options.port} on ${options.host} is already in use; set PORT to a free one`
            : `cannot listen on ${options.host}:${options.port}: ${error.message}`,
        ),
      );
    });
  });
}
