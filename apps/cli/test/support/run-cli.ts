import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestDatabase } from '@skillhub/db/testing';

const bin = fileURLToPath(new URL('../../bin/skillhub.js', import.meta.url));

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Written to the child's standard input (which is closed either way). */
  input?: string;
  /** Default 60 s; the demo loader needs longer on a busy machine. */
  timeoutMs?: number;
}

/** Runs the real `skillhub` binary in a child process; resolves whatever its exit code. */
export function runCli(args: string[], env: Record<string, string> = {}, options: RunOptions = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [bin, ...args],
      { env: { ...process.env, ...env }, timeout: options.timeoutMs ?? 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    child.stdin?.end(options.input ?? '');
  });
}

/** The environment that points the CLI at a test database: owner and runtime role. */
export const envFor = (testDb: TestDatabase, appUrl = testDb.appUrl) => ({
  DATABASE_URL: testDb.ownerUrl,
  APP_DATABASE_URL: appUrl,
});

/** Edits one sealed event the way only a superuser can: with the append-only triggers not firing. */
export const tamperSql = (where: string) => `begin;
  set local session_replication_role = replica;
  update audit_logs set metadata = '{"forged": true}' where ${where};
  commit;`;
