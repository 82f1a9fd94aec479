import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../../bin/skillhub.js', import.meta.url));

export interface ServerProcess {
  url: string;
  pid: number;
  /** True while the process has not exited. */
  running(): boolean;
  /** `kill -9`: no shutdown, no last sealing run, connections cut mid-transaction. */
  crash(): Promise<void>;
  /** SIGTERM, then SIGKILL after 15 s. */
  stop(): Promise<void>;
  /** The last lines it printed, for a failure message. */
  output(): string;
}

const exited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

const waitForExit = (child: ChildProcess) =>
  exited(child) ? Promise.resolve() : new Promise<void>((resolve) => child.once('exit', () => resolve()));

/**
 * `skillhub serve` in a child process of its own, as an operator runs it
 * (DATABASE_URL and APP_DATABASE_URL: it migrates, opens the runtime role's
 * pool, seals in the background). Resolves once it says it is running.
 */
export async function startServe(env: {
  ownerUrl: string;
  appUrl: string;
  port: number;
  /** More environment for the server (its keys, sink settings). */
  extra?: Record<string, string>;
}): Promise<ServerProcess> {
  const child = spawn(process.execPath, [bin, 'serve', '--port', String(env.port), '--host', '127.0.0.1'], {
    env: { ...process.env, DATABASE_URL: env.ownerUrl, APP_DATABASE_URL: env.appUrl, LOG_LEVEL: 'warn', ...env.extra },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString().split('\n').filter(Boolean));
    lines.splice(0, Math.max(0, lines.length - 40));
  };
  child.stderr?.on('data', keep);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`skillhub serve did not start within 60 s:\n${lines.join('\n')}`));
    }, 60_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      keep(chunk);
      const running = /Skillhub is running at (\S+)/.exec(chunk.toString());
      if (running?.[1]) {
        clearTimeout(timer);
        resolve(running[1]);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`skillhub serve exited (${code ?? signal}) before it was running:\n${lines.join('\n')}`));
    });
  });
  return {
    url,
    pid: child.pid ?? 0,
    running: () => !exited(child),
    crash: async () => {
      child.kill('SIGKILL');
      await waitForExit(child);
    },
    stop: async () => {
      if (exited(child)) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await waitForExit(child);
      clearTimeout(timer);
    },
    output: () => lines.join('\n'),
  };
}
