import { type RawPool, type RawPoolClient, tenantContextSigner } from '@skillhub/db/bench';
import { inBoundTransaction } from '../lib/in-transaction.ts';

const actor = {
  actorType: 'user',
  actorId: '5f0c6a4e-8d3b-4c1a-9e2f-7b6d5a4c3b2a',
  requestId: 'bench-request',
  ip: '127.0.0.1',
} as const;

/** The runtime role's pool, with the key its tenant contexts are signed with. */
export interface AppPool {
  pool: RawPool;
  signContext: ReturnType<typeof tenantContextSigner>;
}

export const appPool = (pool: RawPool, contextKey: string): AppPool => ({
  pool,
  signContext: tenantContextSigner(contextKey),
});

/**
 * What `db.withTenant()` does on the wire, as the runtime role: BEGIN with
 * the transaction's binding, the signed transaction-local context, `fn`, COMMIT (ROLLBACK when `fn` throws
 * or `rollback` is set). Row level security applies to everything `fn` runs.
 */
export async function inTenant<T>(
  app: AppPool,
  tenantId: string,
  fn: (client: RawPoolClient) => Promise<T>,
  options: { rollback?: boolean } = {},
): Promise<T> {
  return inBoundTransaction(
    app.pool,
    async (client, binding) => {
      await client.query(...app.signContext(tenantId, actor, binding));
      return fn(client);
    },
    options,
  );
}

/** The server's current WAL position, to measure what a piece of work writes with {@link walSince}. */
export async function walPosition(owner: RawPool): Promise<string> {
  const { rows } = await owner.query<{ lsn: string }>('select pg_current_wal_lsn()::text as lsn');
  return rows[0]?.lsn ?? '0/0';
}

/** WAL bytes written since `from` (a position from {@link walPosition}). */
export async function walSince(owner: RawPool, from: string): Promise<number> {
  const { rows } = await owner.query<{ bytes: string }>(
    'select pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn) as bytes',
    [from],
  );
  return Number(rows[0]?.bytes ?? 0);
}
