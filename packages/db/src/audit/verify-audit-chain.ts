import { sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type pg from 'pg';
import { openClient } from '../open-client.ts';
import { type ChainQuery, type ChainVerdict, type ChainWindow, countSeals, verifyChain } from './verify-chain.ts';

export type { ChainBreak, ChainBreakKind, ChainHead, ChainVerdict } from './verify-chain.ts';

export interface VerifyAuditChainOptions extends ChainWindow {
  /** One tenant's chain; all chains when omitted. '' names the system chain. */
  tenantId?: string;
  /** Connections that verify chains side by side, all in the same snapshot (default 2). */
  concurrency?: number;
  onProgress?: (checked: number, total: number) => void;
}

export interface VerifyAuditResult {
  intact: boolean;
  events: number;
  chains: ChainVerdict[];
}

const dialect = new PgDialect();

const queryOn =
  (client: pg.Client): ChainQuery =>
  async <R extends Record<string, unknown>>(statement: Parameters<ChainQuery>[0]) => {
    const { sql: text, params } = dialect.sqlToQuery(statement);
    return (await client.query<R>(text, params)).rows;
  };

/**
 * A read-only transaction that sees every tenant: as skillhub_system unless
 * the owner is a superuser. The first connection finds out which, holding
 * the ledger locked against partition swaps until it ends; the others,
 * importing its snapshot, are told.
 */
async function beginReading(client: pg.Client, shared?: { snapshot: string; superuser: boolean }): Promise<boolean> {
  await client.query('begin isolation level repeatable read read only');
  if (shared) await client.query(`set transaction snapshot '${shared.snapshot.replace(/'/g, "''")}'`);
  // Before the snapshot is taken (LOCK takes none): a month rewritten in tenant order (migration 0056) is
  // swapped in by a transaction of its own, whose rows an older snapshot would not see; this lock makes the
  // swap wait for the verification instead.
  else await client.query('lock table public.audit_logs in access share mode');
  const superuser =
    shared?.superuser ??
    (await client.query<{ su: boolean }>('select rolsuper as su from pg_roles where rolname = current_user')).rows[0]
      ?.su === true;
  if (!superuser) await client.query('set local role skillhub_system');
  return superuser;
}

/**
 * Recomputes the audit hash chains and reports, per chain, "intact, N
 * events, head H" or the first event that breaks it and how. Streams each
 * chain through one COPY (constant memory) inside one read-only snapshot,
 * which extra connections import to verify other chains at the same time
 * (the database prints each event's canonical text, Node hashes it, so the
 * work spreads over the database's and this process's cores). Runs as the
 * owner, stepping into skillhub_system to read every tenant's events.
 * (Inside a request, `verifyTenantAuditChain` checks the current tenant's.)
 */
export async function verifyAuditChain(
  ownerUrl: string,
  options: VerifyAuditChainOptions = {},
): Promise<VerifyAuditResult> {
  const clients = [await openClient(ownerUrl)];
  try {
    const [first] = clients as [pg.Client];
    const superuser = await beginReading(first);
    const query = queryOn(first);
    const chains =
      options.tenantId !== undefined
        ? [options.tenantId]
        : (
            await query<{ chain: string }>(
              sql`select distinct tenant_id as chain from audit_logs
                  union select distinct chain from audit.seals order by 1`,
            )
          ).map((r) => r.chain);
    const progress = {
      checked: 0,
      total: await countSeals(query, options.tenantId),
      onProgress: options.onProgress,
    };
    const workers = Math.max(1, Math.min(options.concurrency ?? 2, chains.length));
    if (workers > 1) {
      const [row] = (await first.query<{ snapshot: string }>('select pg_export_snapshot() as snapshot')).rows;
      for (let i = 1; i < workers; i++) {
        const client = await openClient(ownerUrl);
        clients.push(client);
        await beginReading(client, { snapshot: row?.snapshot ?? '', superuser });
      }
    }
    const verdicts: ChainVerdict[] = new Array(chains.length);
    let next = 0;
    await Promise.all(
      clients.map(async (client) => {
        const onClient = queryOn(client);
        for (let i = next++; i < chains.length; i = next++) {
          verdicts[i] = await verifyChain(onClient, client, chains[i] ?? '', options, progress);
        }
      }),
    );
    for (const client of clients) await client.query('commit');
    return {
      intact: verdicts.every((v) => v.intact),
      events: verdicts.reduce((sum, v) => sum + v.events, 0),
      chains: verdicts,
    };
  } finally {
    await Promise.all(clients.map((client) => client.end()));
  }
}
