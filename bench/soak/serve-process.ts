import { type ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../apps/cli/bin/skillhub.js', import.meta.url));

export interface ServeProcess {
  url: string;
  /** Resident set size of the server process now, in MB (Linux /proc). */
  rssMb(): Promise<number>;
  /** SIGTERM, then SIGKILL after 20 s; resolves with how long it took to exit, in ms. */
  stop(): Promise<number>;
  /** SIGKILL, for an interrupted run. */
  kill(): void;
  /** Warnings and errors it logged, last 40 lines. */
  output(): string;
}

const exited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

/**
 * `skillhub serve` as an operator runs it (DATABASE_URL + APP_DATABASE_URL:
 * migrate, runtime role's pool of 10, background sealer), on 127.0.0.1 in
 * a child process, logging warnings and errors only.
 */
export async function startServe(env: { ownerUrl: string; appUrl: string }): Promise<ServeProcess> {
  const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--host', '127.0.0.1'], {
    env: { ...process.env, DATABASE_URL: env.ownerUrl, APP_DATABASE_URL: env.appUrl, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString().split('\n').filter(Boolean));
    lines.splice(0, Math.max(0, lines.length - 40));
  };
  child.stderr?.on('data', keep);
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      keep(chunk);
      const running = /Skillhub is running at (\S+)/.exec(chunk.toString());
      if (running?.[1]) resolve(running[1]);
    });
    child.once('exit', (code, signal) =>
      reject(new Error(`skillhub serve exited (${code ?? signal}) before it was running:\n${lines.join('\n')}`)),
    );
  });
  const waitForExit = () =>
    exited(child) ? Promise.resolve() : new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    url,
    rssMb: async () => {
      const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
    },
    stop: async () => {
      const started = performance.now();
      if (exited(child)) return 0;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await waitForExit();
      clearTimeout(timer);
      return performance.now() - started;
    },
    kill: () => {
      if (!exited(child)) child.kill('SIGKILL');
    },
    output: () => lines.join('\n'),
  };
}
