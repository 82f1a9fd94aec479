import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { demoNextSteps } from '../src/demo/demo-next-steps.ts';
import { runningServer } from '../src/runtime/server-lock.ts';

let home: string;
beforeAll(async () => {
  home = await mkdtemp(path.join(tmpdir(), 'skillhub-home-'));
});
afterAll(() => rm(home, { recursive: true, force: true }));

const record = (pid: number, url: string) => writeFile(path.join(home, 'server.json'), JSON.stringify({ pid, url }));

test('a server another live process recorded is found; a record left by a dead one, or none, is not', async () => {
  expect(await runningServer(home)).toBeNull();

  const live = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
  try {
    await record(live.pid ?? 0, 'http://127.0.0.1:3917');
    expect(await runningServer(home)).toEqual({ pid: live.pid, url: 'http://127.0.0.1:3917' });
  } finally {
    live.kill('SIGKILL');
    await new Promise((resolve) => live.once('exit', resolve));
  }
  expect(await runningServer(home)).toBeNull();
});

test('the demo points at the running server rather than telling its user to start one on the default port', () => {
  expect(demoNextSteps({ embedded: true, runningUrl: 'http://127.0.0.1:3917', port: undefined }).join('\n')).toBe(
    '\nSkillhub is running at http://127.0.0.1:3917: open http://127.0.0.1:3917/console/ and sign in with a workspace, email and password above.',
  );
  const start = demoNextSteps({ embedded: true, runningUrl: null, port: undefined }).join('\n');
  expect(start).toMatch(/^\nStart the server: {2}npx skillhub serve\nThen open http:\/\/127\.0\.0\.1:3000\/console\//);
});
