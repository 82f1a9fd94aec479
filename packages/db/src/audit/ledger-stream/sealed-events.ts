import type pg from 'pg';
import { DbError } from '../../errors.ts';
import { canonicalTextSql } from './canonical-text.ts';
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
  /**
   * Hex RFC 9162 leaf hash the tree stores: the seal's own, or for history sealed before the trees
   * (migration 0030) the tree's level-0 node; null when neither is there.
   */
  leafHash: string | null;
  /**
   * The event as it stands, or null when it was deleted: its (txid, seq), whether it is still
   * in the chain's tenant, and its canonical text in UTF-8 (a view, valid until the next batch).
   */
  event: { order: string; inChain: boolean; canonical: Buffer } | null;
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

const columns = 9;

/**
 * Streams a chain's seals in position order, each with its event's
 * canonical text, through one COPY on `client` (inside the caller's
 * transaction: under a tenant's row policies it sees that tenant's seals
 * and events only). PostgreSQL reads and prints; every hash is left to the
 * caller. Flat memory: one network chunk and one batch of rows at a time.
 */
export async function* sealedEvents(client: pg.ClientBase, range: SealRange): AsyncGenerator<SealedEvent[]> {
  const chain = client.escapeLiteral(range.chain);
  const tenant = range.chain === '' ? 'null' : chain;
  const first = safePosition(range.first, 'first');
  const last = safePosition(range.last, 'last');
  // Lateral: one index probe per seal (and one into tree_nodes for a seal made before the trees). A plain join let the
  // planner hash the whole ledger once per chain; without the fence (offset 0), under a tenant's row policy it hashed the
  // tenant's events and sorted the printed rows by position, spilling them to disk.
  // Every column is digits, hex, a uuid, t/f or JSON text: see copyRows for why that matters.
  const query = `select s.position, s.event_id, s.txid::text || ':' || s.seq,
      pg_catalog.encode(s.event_hash, 'hex'), pg_catalog.encode(s.chain_hash, 'hex'), pg_catalog.encode(coalesce(s.leaf_hash, (select n.hash from audit.tree_nodes n
        where n.chain = s.chain and n.level = 0 and n.index = s.position - 1)), 'hex'),
      e.txid::text || ':' || e.seq, e.tenant_id is not distinct from ${tenant}::text, ${canonicalTextSql('e')}
    from audit.seals s
    left join lateral (select l.* from public.audit_logs l where l.id = s.event_id offset 0) e on true
    where s.chain = ${chain} and s.position >= ${first} and (${last}::bigint is null or s.position <= ${last})
    order by s.position`;
  // JIT compiling this plan (its estimated cost passes the optimizing threshold) took about 250 ms of the backend's CPU
  // per stream, 5 µs an event over 50,000, more than the text it speeds up; off for this statement only.
  const { rows: settings } = await client.query<{ jit: string }>(
    `select current_setting('jit') as jit, pg_catalog.set_config('jit', 'off', true)`,
  );
  let failed = false;
  try {
    for await (const rows of copyRows(client, query, columns)) yield rows.map(toSealedEvent);
  } catch (error) {
    // The transaction is aborted and takes the setting with it.
    failed = true;
    throw error;
  } finally {
    if (!failed) await client.query(`select pg_catalog.set_config('jit', $1, true)`, [settings[0]?.jit ?? 'on']);
  }
}

const text = (bytes: Buffer | undefined) => (bytes as Buffer).toString('latin1');

function toSealedEvent(row: CopyRow): SealedEvent {
  const canonical = row[8] as Buffer;
  const leafHash = row[5] as Buffer;
  return {
    position: Number(text(row[0])),
    sealedId: text(row[1]),
    sealOrder: text(row[2]),
    eventHash: text(row[3]),
    chainHash: text(row[4]),
    leafHash: leafHash.length > 0 ? text(leafHash) : null,
    // An event that is gone leaves NULLs: an empty canonical text (a present one starts with "[").
    event: canonical.length > 0 ? { order: text(row[6]), inChain: row[7]?.[0] === 0x74, canonical } : null,
  };
}
