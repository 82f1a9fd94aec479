import { execFile } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const consoleDir = fileURLToPath(new URL('..', import.meta.url));
const builtIndex = path.join(consoleDir, 'dist', 'index.html');
// The verifier's browser entry is bundled into the console: its sources count too.
const inputs = ['index.html', 'vite.config.ts', 'package.json', 'src', '../../packages/verifier/src'];

async function newestInput(): Promise<number> {
  let newest = 0;
  const visit = async (file: string): Promise<void> => {
    const info = await stat(file);
    newest = Math.max(newest, info.mtimeMs);
    if (info.isDirectory()) {
      for (const entry of await readdir(file)) await visit(path.join(file, entry));
    }
  };
  for (const input of inputs) await visit(path.join(consoleDir, input));
  return newest;
}

/**
 * Builds the console (apps/console/dist) when it is missing or older than
 * its sources: `npm start` and the tests' global setup both call it, so the
 * API serves what was last edited, and a start with nothing changed does
 * not spend time rebuilding. Returns whether it built.
 */
export async function buildConsoleIfStale(): Promise<boolean> {
  const built = await stat(builtIndex).then(
    (info) => info.mtimeMs,
    () => 0,
  );
  if (built > (await newestInput())) return false;
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  try {
    await promisify(execFile)(npm, ['run', 'build'], { cwd: consoleDir });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`building the console failed:\n${stdout}${stderr}`);
  }
  return true;
}

/** Vitest's global setup: the tests drive the console as it is now. */
export default async function buildBeforeTests(): Promise<void> {
  await buildConsoleIfStale();
}

// `tsx apps/console/scripts/build-if-stale.ts` (npm start) builds, or says why it did not.
if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  process.stdout.write((await buildConsoleIfStale()) ? 'console built\n' : 'console is up to date\n');
}
