import { withCredentials } from '@skillhub/db';
import { createTestDatabase, type TestDatabase } from '@skillhub/db/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli } from './support/run-cli.ts';

let testDb: TestDatabase;
beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(() => testDb.drop());

const oneLine = (stderr: string) => {
  expect(stderr.trim().split('\n')).toHaveLength(1);
  expect(stderr).not.toMatch(/^\s+at /m);
};

describe('failures print one line on stderr and exit non-zero', () => {
  test('a missing required option', async () => {
    const run = await runCli(['tenant', 'create', '--slug', 'x']);
    expect(run.code).not.toBe(0);
    oneLine(run.stderr);
    expect(run.stderr).toContain("required option '--name <name>' not specified");
  });

  test('an unknown command, with the suggestion on the same line', async () => {
    for (const name of ['tenat', 'constructor']) {
      const run = await runCli([name, 'list']);
      expect(run.code).not.toBe(0);
      oneLine(run.stderr);
      expect(run.stderr).toContain(`unknown command '${name}'`);
    }
    expect((await runCli(['tenat'])).stderr).toMatch(/unknown command 'tenat'.*Did you mean tenant\?/);
  });

  test('an argument that does not parse', async () => {
    const run = await runCli(['audit', 'verify', '--from', 'last tuesday']);
    expect(run.code).not.toBe(0);
    oneLine(run.stderr);
    expect(run.stderr).toContain("option '--from <iso>' argument 'last tuesday' is invalid");
  });

  test.each([
    [
      'an API key scope that does not exist',
      ['key', 'create', '--tenant', 'acme', '--name', 'ci', '--scopes', 'skills:read,root'],
      '',
      'skillhub: unknown scope "root": choose from skills:read, skills:write, usage:write, audit:read\n',
    ],
    [
      'a piped password that is too short',
      ['user', 'create', '--tenant', 'acme', '--email', 'ada@acme.example', '--name', 'Ada', '--password-stdin'],
      'hunter2\n',
      'skillhub: the password must be 10 to 256 characters long\n',
    ],
    [
      'an export range that ends before it starts',
      ['audit', 'export', '--tenant', 'acme', '--from', '2025-02-01', '--to', '2025-01-01'],
      '',
      'skillhub: `from` must not be after `to`.\n',
    ],
    [
      'a demo scale that is not a whole number',
      ['demo', '--scale', '0'],
      '',
      "error: option '--scale <tenants>' argument '0' is invalid. expected a whole number of at least 1.\n",
    ],
  ])('%s, refused before any database is opened', async (_name, args, input, stderr) => {
    const run = await runCli(args, {}, { input });
    expect(run.code).not.toBe(0);
    oneLine(run.stderr);
    expect(run.stderr).toBe(stderr);
  });

  test('an unreachable database', async () => {
    const url = 'postgres://skillhub:secret@127.0.0.1:1/skillhub';
    const run = await runCli(['doctor'], { DATABASE_URL: url, APP_DATABASE_URL: url });
    expect(run.code).toBe(1);
    oneLine(run.stderr);
    expect(run.stderr).toBe(
      'skillhub: cannot connect to PostgreSQL at 127.0.0.1:1 as skillhub: connection refused (is the server running and listening there?)\n',
    );
    expect(run.stderr).not.toContain('secret');
  });

  test('credentials the server refuses', async () => {
    const url = withCredentials(testDb.ownerUrl, { name: 'skillhub_no_such_role', password: 'wrong' });
    const run = await runCli(['audit', 'verify'], { DATABASE_URL: url, APP_DATABASE_URL: url });
    expect(run.code).toBe(1);
    oneLine(run.stderr);
    // "password authentication failed" or "role does not exist", as the server's authentication is set up.
    expect(run.stderr).toMatch(/^skillhub: cannot connect to PostgreSQL at .+ as skillhub_no_such_role: .+/);
    expect(run.stderr).not.toContain('wrong');
  });
});

// Each command's module is loaded only when that command runs (every command's own tests run it); help, which
// names none, still lists them all, in their order.
test('help lists every command', async () => {
  const help = await runCli(['--help']);
  expect(help.code).toBe(0);
  expect([...help.stdout.matchAll(/^ {2}([a-z]+)\b/gm)].map((m) => m[1])).toEqual([
    ...['serve', 'migrate', 'maintain', 'doctor', 'audit', 'tenant', 'user', 'erase', 'key', 'sink'],
    ...['retention', 'secrets', 'demo', 'selftest', 'help'],
  ]);
});
