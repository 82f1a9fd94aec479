import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { expect, test } from 'vitest';
import { startEmbeddedPostgres } from '../src/index.ts';

// As root the server runs as a created "postgres" user, which a private (0700) directory shuts out.
test.runIf(process.getuid?.() === 0)(
  'as root, the embedded server starts with its data inside a private directory',
  async () => {
    const privateDir = await mkdtemp(path.join(os.tmpdir(), 'skillhub-private-'));
    expect((await stat(privateDir)).mode & 0o777).toBe(0o700);
    const server = await startEmbeddedPostgres({ dir: path.join(privateDir, 'home') });
    try {
      const client = new pg.Client({ connectionString: server.ownerUrl });
      await client.connect();
      const { rows } = await client.query<{ one: number }>('select 1 as one');
      await client.end();
      expect(rows).toEqual([{ one: 1 }]);
      // Opened for traversal only: others may enter it, not list it.
      expect((await stat(privateDir)).mode & 0o777).toBe(0o701);
    } finally {
      await server.stop();
      await rm(privateDir, { recursive: true, force: true });
    }
  },
  60_000,
);
