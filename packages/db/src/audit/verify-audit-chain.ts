import { sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { openClient } from '../open-client.ts';
import { type ChainQuery, type ChainVerdict, type ChainWindow, countSeals, verifyChain } from './verify-chain.ts';

export type { ChainBreak, ChainBreakKind, ChainHead, ChainVerdict } from './verify-chain.ts';

export interface VerifyAuditChainOptions extends ChainWindow {
  /** One tenant's chain; all chains when omitted. '' names the system chain. */
  tenantId?: string;
  onProgress?: (checked: number, total: number) => void;
}

export interface VerifyAuditResult {
  intact: boolean;
  events: number;
  chains: ChainVerdict[];
}

const dialect = new PgDialect();

/**
 * Recomputes the audit hash chains and reports, per chain, "intact, N
 * events, head H" or the first event that breaks it and how. Streams with
 * a cursor (constant memory) inside one read-only snapshot. Runs as the
 * owner, stepping into skillhub_system to read every tenant's events.
 * (Inside a request, `verifyTenantAuditChain` checks the current tenant's.)
 */
export async function verifyAuditChain(
  ownerUrl: string,
  options: VerifyAuditChainOptions = {},
): Promise<VerifyAuditResult> {
  const client = await openClient(ownerUrl);
  const query: ChainQuery = async <R extends Record<string, unknown>>(statement: Parameters<ChainQuery>[0]) => {
    const { sql: text, params } = dialect.sqlToQuery(statement);
    return (await client.query<R>(text, params)).rows;
  };
  try {
    await client.query('begin isolation level repeatable read read only');
    const superuser = await client.query<{ su: boolean }>(
      'select rolsuper as su from pg_roles where rolname = current_user',
    );
    if (!superuser.rows[0]?.su) await client.query('set local role skillhub_system');
    const chains =
      options.tenantId !== undefined
        ? [options.tenantId]
        : (
            await query<{ chain: string }>(
              sql`select distinct coalesce(tenant_id, '') as chain from audit_logs
                  union select distinct chain from audit.seals order by 1`,
            )
          ).map((r) => r.chain);
    const progress = {
      checked: 0,
      total: await countSeals(query, options.tenantId),
      onProgress: options.onProgress,
    };
    const verdicts: ChainVerdict[] = [];
    for (const chain of chains) verdicts.push(await verifyChain(query, chain, options, progress));
    await client.query('commit');
    return {
      intact: verdicts.every((v) => v.intact),
      events: verdicts.reduce((sum, v) => sum + v.events, 0),
      chains: verdicts,
    };
  } finally {
    await client.end();
  }
}
