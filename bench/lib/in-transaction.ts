import type { RawPool, RawPoolClient } from '@skillhub/db/bench';

/**
 * Runs `fn` on one pooled connection inside BEGIN … COMMIT (ROLLBACK when
 * `fn` throws, or always with `rollback`, for work that must leave nothing
 * behind). A connection whose work failed is discarded, not returned to the
 * pool in an unknown state.
 */
export async function inTransaction<T>(
  pool: RawPool,
  fn: (client: RawPoolClient) => Promise<T>,
  options: { rollback?: boolean } = {},
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    const result = await fn(client);
    await client.query(options.rollback ? 'rollback' : 'commit');
    client.release();
    return result;
  } catch (error) {
    await client.query('rollback').catch(() => {});
    client.release(error instanceof Error ? error : true);
    throw error;
  }
}
