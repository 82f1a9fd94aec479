import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FromChild, ToChild } from './child-protocol.ts';

/** A server under test running in its own child process (its own event loop). */
export interface ServerProcess {
  url: string;
  /** CPU the child has used so far, in microseconds (user + system). */
  cpuUs(): Promise<number>;
  settle(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Forks `entry` (a file next to this one) under the same TypeScript loader
 * as this process, sends `first` if given, and resolves once the child
 * listens. Rejects with the child's own error if it fails to start.
 */
export function spawnServer(entry: string, env: Record<string, string>, first?: ToChild): Promise<ServerProcess> {
  // BENCH_CPU_PROF=<dir>: each server writes a V8 CPU profile there when it stops (open it in Chrome's
  // DevTools, or summarise it with `npm run bench:profile-summary -- <file>`).
  const profileDir = process.env.BENCH_CPU_PROF;
  const child = fork(fileURLToPath(new URL(entry, import.meta.url)), [], {
    env: { ...process.env, ...env },
    execArgv: profileDir ? [...process.execArgv, '--cpu-prof', `--cpu-prof-dir=${profileDir}`] : process.execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  if (first) child.send(first);
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`${entry} exited with code ${code} before listening`));
    child.once('exit', onExit);
    child.on('message', (message: FromChild) => {
      if (message.type === 'failed') reject(new Error(`${entry} failed to start: ${message.message}`));
      if (message.type !== 'ready') return;
      child.off('exit', onExit);
      resolve(handle(child, message.url));
    });
  });
}

function handle(child: ChildProcess, url: string): ServerProcess {
  const ask = <T extends FromChild['type']>(message: ToChild, reply: T) =>
    new Promise<Extract<FromChild, { type: T }>>((resolve) => {
      const onMessage = (m: FromChild) => {
        if (m.type !== reply) return;
        child.off('message', onMessage);
        resolve(m as Extract<FromChild, { type: T }>);
      };
      child.on('message', onMessage);
      child.send(message);
    });
  return {
    url,
    cpuUs: async () => {
      const m = await ask({ type: 'cpu' }, 'cpu');
      return m.userUs + m.systemUs;
    },
    settle: async () => void (await ask({ type: 'settle' }, 'settled')),
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.send({ type: 'stop' });
      }),
  };
}
