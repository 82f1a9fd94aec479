import { execFile } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const consoleDir = fileURLToPath(new URL('../..', import.meta.url));
const builtIndex = path.join(consoleDir, 'dist', 'index.html');
const inputs = ['index.html', 'vite.config.ts', 'package.json', 'src'];

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
 * Vitest global setup: builds the console (apps/console/dist) when it is
 * missing or older than its sources, so the API serves what the tests
 * drive, on a clean clone as after an edit.
 */
export default async function buildConsole(): Promise<void> {
  const built = await stat(builtIndex).then(
    (info) => info.mtimeMs,
    () => 0,
  );
  if (built > (await newestInput())) return;
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  try {
    await promisify(execFile)(npm, ['run', 'build'], { cwd: consoleDir });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`building the console failed:\n${stdout}${stderr}`);
  }
}
