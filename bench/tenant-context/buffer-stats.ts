import type { RawPool } from '@skillhub/db/bench';

export interface BufferCounts {
  read: number;
  hit: number;
}

/**
 * Blocks of a table and its indexes found in shared buffers (hit) or read
 * from the kernel (read), since the statistics were last reset. The
 * cumulative statistics reach this view with a delay of up to a second.
 */
export async function bufferCounts(owner: RawPool, table: string): Promise<BufferCounts> {
  const { rows } = await owner.query<{ read: string; hit: string }>(
    `select coalesce(heap_blks_read, 0) + coalesce(idx_blks_read, 0) as read,
            coalesce(heap_blks_hit, 0) + coalesce(idx_blks_hit, 0) as hit
     from pg_statio_all_tables where relid = $1::regclass`,
    [table],
  );
  return { read: Number(rows[0]?.read ?? 0), hit: Number(rows[0]?.hit ?? 0) };
}

/**
 * Loads a table and its indexes into shared buffers with pg_prewarm, so that
 * neither side of a comparison starts with a colder cache. Returns false
 * when the extension is not available on the server.
 */
export async function prewarm(owner: RawPool, tables: string[]): Promise<boolean> {
  try {
    await owner.query('create extension if not exists pg_prewarm');
  } catch {
    return false;
  }
  await owner.query(
    `select pg_prewarm(c.oid) from pg_class c
     where c.oid = any($1::regclass[])
        or c.oid in (select i.indexrelid from pg_index i where i.indrelid = any($1::regclass[]))`,
    [tables],
  );
  return true;
}
