import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { runCli } from './support/run-cli.ts';

/**
 * Regression: with `npm start` running, every other command (demo, doctor,
 * audit verify, tenant list, a second serve) tried to start a second
 * embedded PostgreSQL on the same data folder and died on
 * "postmaster.pid already exists". Now they share the one that runs.
 */
const bin = fileURLToPath(new URL('../bin/skillhub.js', import.meta.url));
let home: string;
let server: ChildProcess;
let serverUrl: string;
let env: Record<string, string>;
const slow = { timeoutMs: 240_000 };

beforeAll(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'skillhub-shared-'));
  // The embedded database, not whatever the developer's shell points at.
  env = { SKILLHUB_HOME: home, DATABASE_URL: '', APP_DATABASE_URL: '', LOG_LEVEL: 'warn' };
  server = spawn(process.execPath, [bin, 'serve', '--port', '0'], { env: { ...process.env, ...env } });
  serverUrl = await new Promise<string>((resolve, reject) => {
    let output = '';
    server.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const url = output.match(/running at (http:\/\/\S+)/)?.[1];
      if (url) resolve(url);
    });
    server.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    server.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${output}`)));
  });
}, 120_000);

afterAll(async () => {
  if (server.exitCode === null) server.kill('SIGKILL');
  await rm(home, { recursive: true, force: true });
});

test('tenant list, doctor, audit verify and demo run against the server’s embedded database', async () => {
  const created = await runCli(['tenant', 'create', '--name', 'Shared', '--slug', 'shared'], env);
  expect(created.stderr).toBe('');
  expect(created.code).toBe(0);
  const listed = await runCli(['tenant', 'list'], env);
  expect(listed.code).toBe(0);
  expect(listed.stdout).toMatch(/^shared\b/m);
  const doctor = await runCli(['doctor'], env);
  expect(doctor.stderr).not.toMatch(/postmaster\.pid/);
  expect(doctor.code).toBe(0);
  const demo = await runCli(['demo'], env, slow);
  expect(demo.stderr).toBe('');
  expect(demo.code).toBe(0);
  const verify = await runCli(['audit', 'verify'], env);
  expect(verify.code).toBe(0);
  expect(verify.stdout).toMatch(/acme/);
  // The server kept its database through all of it.
  expect((await fetch(`${serverUrl}/health`)).status).toBe(200);
}, 300_000);

test('a second serve says where the first one runs and exits non-zero', async () => {
  const second = await runCli(['serve', '--port', '0'], env);
  expect(second.code).not.toBe(0);
  expect(second.stderr).toContain(`already running at ${serverUrl}`);
  expect(second.stderr.trim().split('\n')).toHaveLength(1);
  expect((await fetch(`${serverUrl}/health`)).status).toBe(200);
});

test('SIGTERM stops the server, then its database', async () => {
  const pidFile = path.join(home, 'postgres', 'postmaster.pid');
  const postmaster = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
  const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)));
  server.kill('SIGTERM');
  expect(await exited).toBe(0);
  expect(() => process.kill(postmaster, 0)).toThrow();
  expect(existsSync(path.join(home, 'server.json'))).toBe(false);
}, 60_000);

test('skillhub --version prints the version', async () => {
  const version = await runCli(['--version']);
  expect(version.code).toBe(0);
  expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
});
