import { serve } from '@hono/node-server';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from './app-env.ts';

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

/** Listens on host:port; rejects with a readable error when the port is taken. */
export function startServer(app: OpenAPIHono<AppEnv>, options: { port: number; host: string }): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port: options.port, hostname: options.host }, (info) => {
      const host = info.address.includes(':') ? `[${info.address}]` : info.address;
      resolve({
        url: `http://${host}:${info.port}`,
        close: () => new Promise((done) => server.close(() => done())),
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
