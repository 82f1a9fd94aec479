import type { BenchTenant } from './load-catalog.ts';

/**
 * How a server under test, running in a child process of its own, talks to
 * the benchmark over the IPC channel: it reports its URL once listening,
 * answers CPU and settle requests, and closes on `stop`.
 */
export type ToChild =
  /** The baseline's in-memory credentials, sent once before it listens. */
  | { type: 'credentials'; tenants: BenchTenant[] }
  | { type: 'cpu' }
  /** Finish background work left by the last run (the product seals its pending audit events). */
  | { type: 'settle' }
  | { type: 'stop' };

export type FromChild =
  | { type: 'ready'; url: string }
  | { type: 'cpu'; userUs: number; systemUs: number }
  | { type: 'settled' }
  | { type: 'failed'; message: string };

const send = (message: FromChild) => process.send?.(message);

/** Runs in the child: serves the protocol for a started server. */
export function serveChildProtocol(
  url: string,
  handlers: { settle?: () => Promise<void>; close: () => Promise<void> },
): void {
  process.on('message', (message: ToChild) => {
    if (message.type === 'credentials') return;
    if (message.type === 'cpu') {
      const { user, system } = process.cpuUsage();
      send({ type: 'cpu', userUs: user, systemUs: system });
    } else if (message.type === 'settle') {
      void (handlers.settle?.() ?? Promise.resolve()).then(() => send({ type: 'settled' }));
    } else if (message.type === 'stop') {
      void handlers.close().finally(() => process.exit(0));
    }
  });
  // The parent going away (killed, crashed) must not leave a server behind.
  process.on('disconnect', () => void handlers.close().finally(() => process.exit(0)));
  send({ type: 'ready', url });
}

/** Runs in the child: the credentials the parent sends before anything else. */
export const receiveCredentials = (): Promise<BenchTenant[]> =>
  new Promise((resolve) => {
    const onMessage = (message: ToChild) => {
      if (message.type !== 'credentials') return;
      process.off('message', onMessage);
      resolve(message.tenants);
    };
    process.on('message', onMessage);
  });

/** Runs in the child: reports a startup failure and exits. */
export function failChild(error: unknown): never {
  send({ type: 'failed', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exit(1);
}
