import { beginBound, type RawPool, type RawPoolClient, type TransactionBinding } from '@skillhub/db/bench';

/**
 * Runs `fn` on one pooled connection inside BEGIN … COMMIT (ROLLBACK when
 * `fn` throws, or always with `rollback`, for work that must leave nothing
 * behind). A connection whose work failed is discarded, not returned to the
 * pool in an unknown state.
 */
export function inTransaction<T>(
  pool: RawPool,
  fn: (client: RawPoolClient) => Promise<T>,
  options: { rollback?: boolean } = {},
): Promise<T> {
  return run(pool, async (client) => void (await client.query('begin')), fn, options);
}

/**
 * {@link inTransaction} begun as withTenant begins: BEGIN and the
 * transaction's binding in one round trip, for work that sets a tenant
 * context signed for that transaction.
 */
export function inBoundTransaction<T>(
  pool: RawPool,
  fn: (client: RawPoolClient, binding: TransactionBinding) => Promise<T>,
  options: { rollback?: boolean } = {},
): Promise<T> {
  return run(pool, beginBound, fn, options);
}

async function run<B, T>(
  pool: RawPool,
  begin: (client: RawPoolClient) => Promise<B>,
  fn: (client: RawPoolClient, begun: B) => Promise<T>,
  options: { rollback?: boolean },
): Promise<T> {
  const client = await pool.connect();
  try {
    const result = await fn(client, await begin(client));
    await client.query(options.rollback ? 'rollback' : 'commit');
    client.release();
    return result;
  } catch (error) {
    await client.query('rollback').catch(() => {});
    client.release(error instanceof Error ? error : true);
    throw error;
  }
}
