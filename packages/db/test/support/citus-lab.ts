import type pg from 'pg';
import type { Database } from '../../src/index.ts';
import { openRuntimeDatabase } from '../../src/testing/index.ts';

/**
 * For the Citus lab tests: the two workspaces they read as (`lab-a`, `lab-b`), and the runtime role's
 * Database on the coordinator with one connection, so every transaction runs on the same coordinator
 * backend (the same global pid).
 */
export async function openLabDatabase(owner: pg.Client, ownerUrl: string, appUrl: string): Promise<Database> {
  for (const id of ['lab-a', 'lab-b']) {
    await owner.query('insert into tenants (id, name, slug) values ($1, $1, $1) on conflict do nothing', [id]);
  }
  return openRuntimeDatabase(ownerUrl, appUrl, 1);
}
