import {
  beginBound,
  commitDrawingTicket,
  type RawPool,
  type RawPoolClient,
  type TransactionBinding,
} from '@skillhub/db/bench';

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

/**
 * {@link inTransaction} for work whose first statement carries BEGIN itself
 * (pipelined, as withTenant sends it on a connection holding a ticket).
 */
export function inTransactionBegunByFn<T>(pool: RawPool, fn: (client: RawPoolClient) => Promise<T>): Promise<T> {
  return run(pool, async () => {}, fn, {});
}

/** The ticket each connection drew when its last transaction committed (see {@link inTicketTransaction}). */
const tickets = new WeakMap<RawPoolClient, TransactionBinding>();

/**
 * {@link inBoundTransaction} as withTenant runs it on a direct connection
 * (migration 0060): where the connection's last transaction drew a ticket,
 * nothing is sent before `fn`, which sends BEGIN with its context and first
 * statement (`begin` true, the binding the ticket's); else BEGIN reports the
 * binding in its own round trip. COMMIT draws the next ticket in its round
 * trip.
 */
export function inTicketTransaction<T>(
  pool: RawPool,
  fn: (client: RawPoolClient, binding: TransactionBinding, begin: boolean) => Promise<T>,
): Promise<T> {
  const begin = async (client: RawPoolClient) => {
    const ticket = tickets.get(client);
    tickets.delete(client);
    return ticket ? { binding: ticket, begin: true } : { binding: await beginBound(client), begin: false };
  };
  const end = async (client: RawPoolClient) => void tickets.set(client, await commitDrawingTicket(client));
  return run(pool, begin, (client, begun) => fn(client, begun.binding, begun.begin), {}, end);
}

async function run<B, T>(
  pool: RawPool,
  begin: (client: RawPoolClient) => Promise<B>,
  fn: (client: RawPoolClient, begun: B) => Promise<T>,
  options: { rollback?: boolean },
  end = async (client: RawPoolClient) => void (await client.query(options.rollback ? 'rollback' : 'commit')),
): Promise<T> {
  const client = await pool.connect();
  try {
    const result = await fn(client, await begin(client));
    await end(client);
    client.release();
    return result;
  } catch (error) {
    await client.query('rollback').catch(() => {});
    client.release(error instanceof Error ? error : true);
    throw error;
  }
}
