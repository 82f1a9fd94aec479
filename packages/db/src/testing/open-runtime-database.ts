import { Database } from '../database.ts';
import { readContextKey } from '../tenant-context/context-key.ts';

/**
 * The runtime role's Database on a database a test did not create (a Citus lab's coordinator), with the
 * context key read there as the owner, as `skillhub serve` finds it.
 */
export async function openRuntimeDatabase(ownerUrl: string, appUrl: string, maxConnections: number): Promise<Database> {
  return Database.open({ url: appUrl, contextKey: await readContextKey(ownerUrl), maxConnections });
}
