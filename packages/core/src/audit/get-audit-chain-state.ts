import { type ChainBreak, type ChainHead, sameTenant, sql, type TenantTx } from '@skillhub/db';
import { isoTimestamp } from '../pagination/cursor.ts';

/** The latest `audit.verified` event: what the last verification found, when and by whom. */
export interface LastVerification {
  /** ISO 8601, when it was recorded. */
  at: string;
  /** Who asked for it: a user's name, an API key's name, or null for the system. */
  by: string | null;
  intact: boolean;
  events: number;
  head: ChainHead | null;
  break: ChainBreak | null;
}

/** What a page can show about the chain without verifying it (and so without writing anything). */
export interface AuditChainState {
  lastVerification: LastVerification | null;
  /** The tenant's sealed events and the chain's current last link. */
  sealed: { events: number; head: (ChainHead & { sealedAt: string }) | null };
  /** Events committed (or still being written) after the head: not sealed yet. */
  unsealed: number;
  /**
   * Leaf ranges [startLeaf, endLeaf) that left the chain by its retention
   * policy, each under a signed retention record (in leaf order). A
   * verification reports them as removed by policy, not as tampering.
   */
  removed: RemovedRange[];
}

export interface RemovedRange {
  startLeaf: number;
  endLeaf: number;
  /** ISO 8601, when retention removed them. */
  removedAt: string;
}

interface VerifiedRow {
  at: string;
  by: string | null;
  metadata: { intact?: boolean; events?: number; head?: ChainHead | null; break?: ChainBreak };
}

/**
 * The chain as last verified and as sealed now, read-only: four indexed
 * reads in the caller's withTenant transaction, no event recorded. Events
 * are sealed in (transaction id, sequence) order once their transaction is
 * older than every running one, so every event after the head in that
 * order is one the sealer has not reached yet.
 */
export async function getAuditChainState(tx: TenantTx): Promise<AuditChainState> {
  const verified = await tx.execute<VerifiedRow & Record<string, unknown>>(sql`
    select ${isoTimestamp(sql.raw('e.created_at'))} as at, e.metadata,
           coalesce(nullif(u.display_name, ''), u.email, k.name) as by
    from audit_logs e
    left join users u on ${sameTenant('u')} and e.actor_type <> 'api_key' and u.id::text = e.actor_id
    left join api_keys k on ${sameTenant('k')} and e.actor_type = 'api_key' and k.id::text = e.actor_id
    where ${sameTenant('e')} and e.action = 'audit.verified' order by e.created_at desc, e.id desc limit 1`);
  const head = await tx.execute<{ position: string; hash: string; sealedAt: string; txid: string; seq: string }>(sql`
    select position::text, encode(chain_hash, 'hex') as hash, ${isoTimestamp(sql.raw('sealed_at'))} as "sealedAt",
           txid::text, seq::text
    from audit.seals order by position desc limit 1`);
  const last = head.rows[0];
  const unsealed = await tx.execute<{ n: number }>(
    last
      ? sql`select count(*)::int as n from audit_logs where ${sameTenant('audit_logs')} and (txid, seq) > (${last.txid}::xid8, ${last.seq}::bigint)`
      : sql`select count(*)::int as n from audit_logs where ${sameTenant('audit_logs')}`,
  );
  const removed = await tx.execute<{ startLeaf: string; endLeaf: string; removedAt: string }>(sql`
    select start_leaf::text as "startLeaf", end_leaf::text as "endLeaf",
           ${isoTimestamp(sql.raw('removed_at'))} as "removedAt"
    from audit.retention_records order by start_leaf`);
  const row = verified.rows[0];
  return {
    lastVerification: row
      ? {
          at: row.at,
          by: row.by,
          intact: row.metadata.intact === true,
          events: row.metadata.events ?? 0,
          head: row.metadata.head ?? null,
          break: row.metadata.break ?? null,
        }
      : null,
    sealed: {
      events: last ? Number(last.position) : 0,
      head: last ? { position: Number(last.position), hash: last.hash, sealedAt: last.sealedAt } : null,
    },
    unsealed: unsealed.rows[0]?.n ?? 0,
    removed: removed.rows.map((r) => ({
      startLeaf: Number(r.startLeaf),
      endLeaf: Number(r.endLeaf),
      removedAt: r.removedAt,
    })),
  };
}
