import type pg from 'pg';
import { DbError } from '../../errors.ts';
import { canonicalColumns, canonicalText } from './canonical-text.ts';
import { type CopyRow, copyRows } from './copy-rows.ts';

/** One seal of a chain and, when its event still exists, the event's canonical text. */
export interface SealedEvent {
  position: number;
  /** The event id the seal names. */
  sealedId: string;
  /** The seal's (txid, seq), as "txid:seq". */
  sealOrder: string;
  /** Hex SHA-256 of the canonical text when sealed (the chain's event hash). */
  eventHash: string;
  /** Hex chain hash at this position. */
  chainHash: string;
  /** Hex RFC 9162 leaf hash; null for history sealed before the trees (migration 0030). */
  leafHash: string | null;
  /** The event as it stands, or null when it was deleted. */
  event: { order: string; chain: string; canonical: string } | null;
}

export interface SealRange {
  /** Tenant id, or '' for the system chain. */
  chain: string;
  /** First position (1-based, inclusive). */
  first: number;
  /** Last position (inclusive), or null for the chain's end. */
  last: number | null;
}

const safePosition = (value: number | null, name: string): string => {
  if (value === null) return 'null';
  if (!Number.isSafeInteger(value) || value < 0) throw new DbError('INVALID_INPUT', `${name} is not a position`);
  return String(value);
};

/**
 * Streams a chain's seals in position order, each with its event's
 * canonical text built in Node, through one COPY on `client` (inside the
 * caller's transaction: under a tenant's row policies it sees that
 * tenant's seals and events only). Flat memory: one network chunk and one
 * batch of rows at a time.
 */
export async function* sealedEvents(client: pg.ClientBase, range: SealRange): AsyncGenerator<SealedEvent[]> {
  const chain = client.escapeLiteral(range.chain);
  const first = safePosition(range.first, 'first');
  const last = safePosition(range.last, 'last');
  // Lateral: one index probe per seal. A plain join let the planner hash the whole ledger once per chain.
  const query = `select s.position, s.event_id, s.txid::text || ':' || s.seq,
      pg_catalog.encode(s.event_hash, 'hex'), pg_catalog.encode(s.chain_hash, 'hex'), pg_catalog.encode(s.leaf_hash, 'hex'),
      e.txid::text || ':' || e.seq, coalesce(e.tenant_id, ''), ${canonicalColumns('e')}
    from audit.seals s
    left join lateral (select l.* from public.audit_logs l where l.id = s.event_id) e on true
    where s.chain = ${chain} and s.position >= ${first} and (${last}::bigint is null or s.position <= ${last})
    order by s.position`;
  for await (const rows of copyRows(client, query)) yield rows.map(toSealedEvent);
}

function toSealedEvent(row: CopyRow): SealedEvent {
  const present = row[8] !== null;
  return {
    position: Number(row[0]),
    sealedId: row[1] as string,
    sealOrder: row[2] as string,
    eventHash: row[3] as string,
    chainHash: row[4] as string,
    leafHash: row[5] ?? null,
    event: present ? { order: row[6] as string, chain: row[7] as string, canonical: canonicalText(row, 8) } : null,
  };
}
