import type pg from 'pg';
import { DbError } from '../../errors.ts';
import { runnerFor } from '../../sql-runner.ts';
import { ledgerDistributed } from '../ledger-distributed.ts';
import { CanonicalTextWriter } from './canonical-text-builder.ts';
import { type BinaryRows, copyBinaryRows } from './copy-binary-rows.ts';

/** One seal of a chain and, when its event still exists, the event's canonical text. */
export interface SealedEvent {
  position: number;
  /** The event id the seal names. */
  readonly sealedId: string;
  /**
   * The seal's (txid, seq) as sent: txid (8 bytes), seq's length word (always 8), seq (8 bytes), all
   * big-endian; compared with `compareOrder`.
   */
  sealOrder: Buffer;
  /** SHA-256 of the canonical text when sealed (the chain's event hash). */
  eventHash: Buffer;
  /** Chain hash at this position. */
  chainHash: Buffer;
  /**
   * RFC 9162 leaf hash the tree stores: the seal's own, or for history sealed before the trees
   * (migration 0030) the tree's level-0 node; null when neither is there.
   */
  leafHash: Buffer | null;
  /**
   * The event as it stands, or null when it was deleted: its (txid, seq) as `sealOrder` is,
   * whether it is still in the chain's tenant, its canonical text in UTF-8, and the same text
   * behind the leaf prefix 0x00 (`leafInput`, what the leaf hash hashes). Views, valid until
   * the next batch.
   */
  event: { order: Buffer; inChain: boolean; canonical: Buffer; leafInput: Buffer } | null;
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

/** The event's columns, in the order of `fields` below. */
const eventColumns = [
  'txid',
  'seq',
  'tenant_id',
  'actor_type',
  'actor_id',
  'action',
  'resource_type',
  'resource_id',
  // inet's cast to text keeps the /32 that its output function drops: the canonical text has the cast.
  'ip_address::text',
  'request_id',
  'metadata',
  'operation',
  'table_name',
  'old_record',
  'new_record',
  'changed_fields',
  'created_at',
  'personal',
  'subject_id',
];
const sealColumns = 7;
const columns = sealColumns + eventColumns.length;
const at = (column: string) => sealColumns + eventColumns.indexOf(column);
const writer = new CanonicalTextWriter({
  // The seal's event id: the event is found by it, so the two are the same uuid.
  id: 1,
  txid: at('txid'),
  seq: at('seq'),
  tenantId: at('tenant_id'),
  actorType: at('actor_type'),
  actorId: at('actor_id'),
  action: at('action'),
  resourceType: at('resource_type'),
  resourceId: at('resource_id'),
  ipText: at('ip_address::text'),
  requestId: at('request_id'),
  metadata: at('metadata'),
  operation: at('operation'),
  tableName: at('table_name'),
  oldRecord: at('old_record'),
  newRecord: at('new_record'),
  changedFields: at('changed_fields'),
  createdAt: at('created_at'),
  personal: at('personal'),
  subjectId: at('subject_id'),
});

/**
 * Streams a chain's seals in position order, each with its event's
 * canonical text, through one binary COPY on `client` (inside the caller's
 * transaction: under a tenant's row policies it sees that tenant's seals
 * and events only). PostgreSQL reads the columns and sends them as they
 * are stored; the canonical text is built here (`CanonicalTextWriter`) and
 * every hash is left to the caller. Flat memory: one network chunk and one
 * batch of rows at a time.
 */
export async function* sealedEvents(client: pg.ClientBase, range: SealRange): AsyncGenerator<SealedEvent[]> {
  const chain = client.escapeLiteral(range.chain);
  const first = safePosition(range.first, 'first');
  const last = safePosition(range.last, 'last');
  const name = (column: string) => column.replace('::text', '');
  // The system chain's tenant_id is '' and its canonical text says null (migration 0070).
  const stored = (column: string) => (column === 'tenant_id' ? `nullif(l.tenant_id, '')` : `l.${column}`);
  const listed = eventColumns.map((c) => `${stored(c)} as ${name(c)}`).join(', ');
  const picked = eventColumns.map((c) => `coalesce(f.${name(c)}, g.${name(c)})`).join(', ');
  // Lateral: one index probe per seal (and one into tree_nodes for a seal made before the trees). A plain join let the
  // planner hash the whole ledger once per chain; without the fence (offset 0), under a tenant's row policy it hashed the
  // tenant's events and sorted the printed rows by position, spilling them to disk. The seal's created_at (migration
  // 0064) prunes the probe to the event's month; only when the event is not there (a seal from before 0064, an event
  // whose created_at was edited, a deleted one) does the second probe, gated on the first finding nothing, look in
  // every month, and then it yields every row with that id, as one probe into all months always did.
  // On a Citus cluster every table is filtered by the chain's own value, which is what routes the statement to the
  // chain's shard (a filter through the seal's row is planned on every shard); an event moved to another chain then
  // reads as gone. On one server the probes find it wherever it is, and verification names it moved.
  const sameChain = (await ledgerDistributed(client, runnerFor(client))) ? ` and l.tenant_id = ${chain}` : '';
  const query = `select s.position, s.event_id, s.txid, s.seq, s.event_hash, s.chain_hash,
      coalesce(s.leaf_hash, (select n.hash from audit.tree_nodes n where n.chain = ${chain} and n.level = 0
                             and n.index = s.position - 1)),
      ${picked}
    from audit.seals s
    left join lateral (select ${listed} from public.audit_logs l
                       where l.id = s.event_id and l.created_at = s.created_at${sameChain} offset 0) f on true
    left join lateral (select ${listed} from public.audit_logs l
                       where f.txid is null and l.id = s.event_id${sameChain} offset 0) g on true
    where s.chain = ${chain} and s.position >= ${first} and (${last}::bigint is null or s.position <= ${last})
    order by s.position`;
  // JIT compiling this plan (its estimated cost passes the optimizing threshold) took about 250 ms of the backend's CPU
  // per stream, 5 µs an event over 50,000, more than it saves; off for this statement only.
  const { rows: settings } = await client.query<{ jit: string }>(
    `select current_setting('jit') as jit, pg_catalog.set_config('jit', 'off', true)`,
  );
  const tenant = range.chain === '' ? null : Buffer.from(range.chain, 'utf8');
  let failed = false;
  try {
    for await (const rows of copyBinaryRows(client, query, columns)) yield toSealedEvents(rows, tenant);
  } catch (error) {
    // The transaction is aborted and takes the setting with it.
    failed = true;
    throw error;
  } finally {
    if (!failed) await client.query(`select pg_catalog.set_config('jit', $1, true)`, [settings[0]?.jit ?? 'on']);
  }
}

const txidAt = at('txid');
const tenantAt = at('tenant_id');

/** The batch's seals, with every present event's canonical text written into one buffer, each behind a 0x00. */
function toSealedEvents({ bytes, starts, lengths, count }: BinaryRows, tenant: Buffer | null): SealedEvent[] {
  let size = 0;
  for (let r = 0; r < count; r++) {
    const base = r * columns;
    if ((lengths[base + txidAt] as number) >= 0) size += 1 + writer.bound(lengths, base);
  }
  const out = Buffer.allocUnsafe(size);
  let end = 0;
  const seals: SealedEvent[] = new Array(count);
  for (let r = 0; r < count; r++) {
    const base = r * columns;
    const view = (field: number) =>
      bytes.subarray(starts[base + field], (starts[base + field] as number) + (lengths[base + field] as number));
    const leafLength = lengths[base + 6] as number;
    let event: SealedEvent['event'] = null;
    if ((lengths[base + txidAt] as number) >= 0) {
      const start = end;
      out[start] = 0;
      end = writer.write(bytes, starts, lengths, base, out, start + 1);
      const tenantLength = lengths[base + tenantAt] as number;
      const tenantStart = starts[base + tenantAt] as number;
      event = {
        order: bytes.subarray(starts[base + txidAt], (starts[base + txidAt] as number) + 20),
        inChain:
          tenant === null
            ? tenantLength < 0
            : tenantLength === tenant.length && tenant.equals(bytes.subarray(tenantStart, tenantStart + tenantLength)),
        canonical: out.subarray(start + 1, end),
        leafInput: out.subarray(start, end),
      };
    }
    seals[r] = new Seal(
      bytes.readUInt32BE(starts[base] as number) * 0x100000000 + bytes.readUInt32BE((starts[base] as number) + 4),
      view(1),
      bytes.subarray(starts[base + 2], (starts[base + 2] as number) + 20),
      view(4),
      view(5),
      leafLength >= 0 ? view(6) : null,
      event,
    );
  }
  return seals;
}

/**
 * Whether two (txid, seq) as `sealOrder` holds them were stamped on the same node: on a Citus cluster each node
 * draws the ledger's sequence from its own range (its group × 2^48), and its transaction ids order only its own
 * events; on one server every seq is below 2^48.
 */
export function sameNode(a: Buffer, b: Buffer): boolean {
  return a.readUInt16BE(12) === b.readUInt16BE(12);
}

/** Sealing order of two (txid, seq) as `sealOrder` holds them: txid unsigned, then seq signed. */
export function compareOrder(a: Buffer, b: Buffer): number {
  const byTxid = a.compare(b, 0, 8, 0, 8);
  if (byTxid !== 0) return byTxid;
  const high = a.readInt32BE(12) - b.readInt32BE(12);
  if (high !== 0) return high < 0 ? -1 : 1;
  const low = a.readUInt32BE(16) - b.readUInt32BE(16);
  return low === 0 ? 0 : low < 0 ? -1 : 1;
}

class Seal implements SealedEvent {
  constructor(
    readonly position: number,
    readonly sealedUuid: Buffer,
    readonly sealOrder: Buffer,
    readonly eventHash: Buffer,
    readonly chainHash: Buffer,
    readonly leafHash: Buffer | null,
    readonly event: SealedEvent['event'],
  ) {}

  get sealedId(): string {
    const h = this.sealedUuid.toString('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
}
