import type pg from 'pg';
import type { TransactionBinding } from './context-token.ts';

/**
 * BEGIN, and the distributed transaction Citus assigns it on a coordinator
 * (migration 0069: `platform.distributed_binding` runs a distributed
 * statement that reaches no shard, then reports the global pid and the
 * transaction's number and stamp), in one round trip. Every worker
 * connection of the transaction carries that number and stamp, so a context
 * signed for them verifies on the workers as on the coordinator, and in no
 * other transaction.
 */
export async function beginDistributedBound(client: pg.ClientBase): Promise<TransactionBinding> {
  const began = (await client.query(
    'begin; select * from platform.distributed_binding()',
  )) as unknown as pg.QueryResult[];
  const row = began[1]?.rows[0] as
    | { pid: number | null; gpid: string | null; transaction_number: string | null; stamp_us: string | null }
    | undefined;
  if (!row?.pid || !row.gpid || !row.transaction_number || row.transaction_number === '0' || !row.stamp_us) {
    // withTenant rolls the open transaction back before the connection goes back to the pool.
    throw new Error(
      'BEGIN was given no distributed transaction: the server started on a Citus coordinator, and no distributed table is readable now',
    );
  }
  return { pid: row.pid, gpid: row.gpid, transaction: row.transaction_number, stampUs: row.stamp_us };
}

/**
 * Whether this database is a Citus coordinator with a distributed table the
 * runtime role reads (migration 0069 present): then every tenant transaction
 * is bound to its distributed transaction and sets its context with `SET
 * LOCAL`, which Citus carries to the workers.
 */
export async function isDistributed(pool: pg.Pool): Promise<boolean> {
  const { rows } = await pool.query<{ present: boolean }>(
    "select to_regprocedure('platform.distributed_binding()') is not null as present",
  );
  if (!rows[0]?.present) return false;
  // In a transaction block: Citus assigns no distributed transaction to a single autocommit statement.
  const client = await pool.connect();
  let fit = true;
  try {
    const began = (await client.query(
      'begin; select transaction_number as number from platform.distributed_binding(); rollback',
    )) as unknown as pg.QueryResult<{ number: string | null }>[];
    const number = began[1]?.rows[0]?.number;
    return number !== null && number !== undefined && number !== '0';
  } catch (error) {
    // A failed probe leaves its transaction open: end it, or close the connection rather than pool it.
    fit = await client.query('rollback').then(
      () => true,
      () => false,
    );
    throw error;
  } finally {
    client.release(!fit);
  }
}
