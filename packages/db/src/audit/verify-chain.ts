import { createHash, hash } from 'node:crypto';
import { type SQL, sql } from 'drizzle-orm';
import type pg from 'pg';
import { DbError } from '../errors.ts';
import { runnerFor } from '../sql-runner.ts';
import { currentScope } from '../tenant-context/context-store.ts';
import { sameTenant } from '../tenant-context/same-tenant.ts';
import type { CheckpointKey } from './checkpoints/signed-note.ts';
import { ledgerDistributed } from './ledger-distributed.ts';
import { compareOrder, sameNode, sealedEvents } from './ledger-stream/sealed-events.ts';
import { type RemovedRange, trustedRetentionRanges } from './retention/trusted-retention-ranges.ts';

/** `forged`: a retention record that is unsigned, edited, or states a range that is not what is gone. */
export type ChainBreakKind = 'modified' | 'missing' | 'inserted' | 'reordered' | 'truncated' | 'forged';

export interface ChainBreak {
  kind: ChainBreakKind;
  /** Position in the chain where verification stopped, when known. */
  position: number | null;
  eventId: string | null;
  detail: string;
}

export interface ChainHead {
  position: number;
  /** Hex SHA-256 chain hash at that position. */
  hash: string;
}

export interface ChainVerdict {
  /** Tenant id, or '' for the system chain. */
  chain: string;
  intact: boolean;
  /** Sealed events checked. */
  events: number;
  head: ChainHead | null;
  /** Events written but not sealed yet (normally under a second old). */
  unsealed: number;
  /** Leaves removed by policy, each under the signed retention record named. */
  removed: RemovedRange[];
  break?: ChainBreak;
}

export interface ChainWindow {
  /** Verify only events created in [from, to]; the chain is anchored at the seal before `from`. */
  from?: Date;
  to?: Date;
  /**
   * A head recorded earlier (e.g. exported); its absence or a different hash
   * means history was cut. Checked against the whole chain, so not with
   * `from` / `to`.
   */
  expectedHead?: ChainHead;
  /**
   * The checkpoint keys retention records must be signed by (the server's
   * current and retired ones). Without them, events removed by retention
   * are reported as a break: an unchecked record proves nothing.
   */
  retentionKeys?: readonly CheckpointKey[];
}

/**
 * Runs one statement in the verifying transaction and returns its rows. The
 * owner's entry point runs it on its own connection, the tenant's inside
 * `withTenant`; everything below is the same for both.
 */
export type ChainQuery = <R extends Record<string, unknown>>(query: SQL) => Promise<R[]>;

export interface ChainProgress {
  checked: number;
  total: number;
  onProgress?: (checked: number, total: number) => void;
}

const genesis = (chain: string) => createHash('sha256').update(`skillhub audit chain:${chain}`).digest();

/** How many seals the chains to verify hold (for progress); every visible chain when `chain` is undefined. */
export async function countSeals(query: ChainQuery, chain: string | undefined): Promise<number> {
  const [row] = await query<{ n: string }>(
    sql`select count(*) as n from audit.seals where ${chain ?? null}::text is null or chain = ${chain ?? null}`,
  );
  return Number(row?.n ?? 0);
}

/**
 * Recomputes one chain over what `query` can see and reports "intact, N
 * events, head H" or the first event that breaks it and how. Streams the
 * seals and their events through one COPY on `client` (the connection
 * `query` runs on), hashing in Node, so memory stays constant; the caller
 * owns the transaction.
 */
export async function verifyChain(
  query: ChainQuery,
  client: pg.ClientBase,
  chain: string,
  window: ChainWindow,
  progress: ChainProgress,
): Promise<ChainVerdict> {
  if (window.expectedHead && (window.from || window.to)) {
    throw new DbError('INVALID_INPUT', 'a recorded head is checked against the whole chain, not a time window');
  }
  const { first, last } = await positionRange(query, chain, window);
  let previous: Buffer = genesis(chain);
  if (first > 1) {
    const [anchor] = await query<{ chain_hash: Buffer }>(
      sql`select chain_hash from audit.seals where chain = ${chain} and position = ${first - 1}`,
    );
    previous = anchor?.chain_hash ?? previous;
  }
  const verdict: ChainVerdict = { chain, intact: true, events: 0, head: null, unsealed: 0, removed: [] };
  let expectedPosition = first;
  // The head is noted once a batch (and here on a break), not per seal: it is the last position checked.
  const noteHead = () => {
    if (expectedPosition > first) verdict.head = { position: expectedPosition - 1, hash: previous.toString('hex') };
  };
  const fail = (kind: ChainBreakKind, position: number | null, eventId: string | null, detail: string) => {
    noteHead();
    verdict.intact = false;
    verdict.break = { kind, position, eventId, detail };
    return verdict;
  };
  const trusted = await trustedRetentionRanges(query, chain, window.retentionKeys);
  if (!trusted.ok) return fail('forged', trusted.startLeaf + 1, null, trusted.why);
  const ranges = trusted.ranges;
  verdict.removed = ranges.filter((r) => r.endLeaf >= first);
  // Leaf index = position - 1: a range [start, end) covers positions start + 1 .. end.
  const removedBy = (position: number) => ranges.find((r) => position > r.startLeaf && position <= r.endLeaf);
  // The last sealing order checked, copied (the seal's is a view into its batch); none before the first.
  const lastOrder = Buffer.alloc(20);
  let ordered = false;
  // The rows stream through COPY and every hash is computed here: PostgreSQL only reads and prints columns.
  for await (const seals of sealedEvents(client, { chain, first, last })) {
    for (const seal of seals) {
      const { position, event } = seal;
      if (position !== expectedPosition) {
        return fail('missing', expectedPosition, null, `seals ${expectedPosition}..${position - 1} are gone`);
      }
      const range = removedBy(position);
      if (range && event) {
        return fail(
          'forged',
          position,
          seal.sealedId,
          `event ${seal.sealedId} is still here, inside the range the ${range.record} says left`,
        );
      }
      if (range && !event) {
        // Removed by policy: the seal's hashes still fold into the chain, and the record pins where it ends.
        const chained = chainFold(previous, seal.eventHash);
        if (!chained.equals(seal.chainHash)) {
          return fail('modified', position, seal.sealedId, `the seal of removed event ${seal.sealedId} was rewritten`);
        }
        if (position === range.endLeaf && !range.chainHash.equals(chained)) {
          return fail(
            'forged',
            position,
            seal.sealedId,
            `the chain at the end of the ${range.record} is not what it pins`,
          );
        }
        previous = chained;
        expectedPosition = position + 1;
        progress.checked += 1;
        continue;
      }
      if (!event) return fail('missing', position, seal.sealedId, `event ${seal.sealedId} was deleted`);
      const order = seal.sealOrder;
      // Order is kept per node: the first event sealed on a node after the conversion has a lower id than the
      // last the old server sealed.
      if (
        !event.order.equals(order) ||
        (ordered && sameNode(order, lastOrder) && compareOrder(order, lastOrder) <= 0)
      ) {
        return fail(
          'reordered',
          position,
          seal.sealedId,
          `event ${seal.sealedId} no longer holds its place in the chain`,
        );
      }
      if (!event.inChain) {
        return fail('modified', position, seal.sealedId, `event ${seal.sealedId} was moved to another tenant`);
      }
      if (!hash('sha256', event.canonical, 'buffer').equals(seal.eventHash)) {
        return fail('modified', position, seal.sealedId, `event ${seal.sealedId} differs from what was sealed`);
      }
      const chained = chainFold(previous, seal.eventHash);
      if (!chained.equals(seal.chainHash)) {
        return fail('modified', position, seal.sealedId, `the seal of event ${seal.sealedId} was rewritten`);
      }
      previous = chained;
      order.copy(lastOrder);
      ordered = true;
      expectedPosition = position + 1;
      verdict.events += 1;
      progress.checked += 1;
    }
    noteHead();
    progress.onProgress?.(progress.checked, progress.total);
  }
  if (last === null) {
    const distributed = await ledgerDistributed(client, runnerFor(client));
    const { inserted, unsealed } = await unsealedEvents(query, chain, distributed);
    if (inserted)
      return fail('inserted', null, inserted, `event ${inserted} sits inside sealed history but was never sealed`);
    verdict.unsealed = unsealed;
  }
  const expected = window.expectedHead;
  if (expected && last === null) {
    if (!verdict.head || verdict.head.position < expected.position) {
      return fail(
        'truncated',
        verdict.head?.position ?? 0,
        null,
        `the chain ends at ${verdict.head?.position ?? 0} but a recorded head was at ${expected.position}`,
      );
    }
    const [atHead] = await query<{ chain_hash: Buffer }>(
      sql`select chain_hash from audit.seals where chain = ${chain} and position = ${expected.position}`,
    );
    if (atHead?.chain_hash.toString('hex') !== expected.hash) {
      return fail(
        'modified',
        expected.position,
        null,
        `the chain at ${expected.position} differs from the recorded head`,
      );
    }
  }
  return verdict;
}

async function positionRange(query: ChainQuery, chain: string, window: ChainWindow) {
  if (!window.from && !window.to) return { first: 1, last: null as number | null };
  const [row] = await query<{ first: string | null; last: string | null }>(
    sql`select min(s.position) as first, max(s.position) as last
     from audit.seals s join audit_logs e on e.id = s.event_id
     where s.chain = ${chain}${routing('e')}
       and (${window.from ?? null}::timestamptz is null or e.created_at >= ${window.from ?? null})
       and (${window.to ?? null}::timestamptz is null or e.created_at <= ${window.to ?? null})`,
  );
  return { first: Number(row?.first ?? 1), last: row?.last ? Number(row.last) : 0 };
}

/** The chain hash after `previous`: SHA-256(previous ‖ event hash), hashed from one reused buffer. */
const folded = Buffer.alloc(64);
const chainFold = (previous: Buffer, eventHash: Buffer): Buffer => {
  previous.copy(folded, 0);
  eventHash.copy(folded, 32);
  return hash('sha256', folded, 'buffer');
};

/**
 * Inside withTenant, the tenant named on a table the policy already limits to it: routing on Citus
 * (same-tenant.ts). The owner's verification, outside any tenant scope, reads every chain as it is.
 */
const routing = (alias: string): SQL => (currentScope() ? sql` and ${sameTenant(alias)}` : sql``);

/**
 * The chain's events no seal covers: normally only the newest, not sealed
 * yet. One older than the newest seal was slipped into history (under a
 * tenant's row policy "the newest seal" is the tenant's own). One pass over
 * the chain's own events, through the tenant index: ordering the whole
 * ledger by (txid, seq) per chain made verifying N chains O(N × ledger).
 * A seal that records its event's month (0064) covers only the event in
 * that month: a row copied under a sealed id into another month is not
 * sealed (the stream reads the sealed one alone), unless that month holds
 * no such event (then the row is the sealed event with its created_at
 * edited, which the stream names).
 */
async function unsealedEvents(
  query: ChainQuery,
  chain: string,
  distributed: boolean,
): Promise<{ inserted: string | null; unsealed: number }> {
  if (distributed) {
    // The newest seal of the whole ledger orders nothing across nodes: the chain's shard answers on its node.
    const [found] = await query<{ found: { inserted: string | null; unsealed: number } }>(
      sql`select audit.chain_unsealed_events(${chain}) as found`,
    );
    return { inserted: found?.found.inserted ?? null, unsealed: Number(found?.found.unsealed ?? 0) };
  }
  const [row] = await query<{ inserted: string | null; unsealed: string }>(
    sql`select (array_agg(u.id order by u.txid, u.seq)
                  filter (where (u.txid, u.seq) < (select s.txid, s.seq from audit.seals s
                                                    order by s.txid desc, s.seq desc limit 1)))[1] as inserted,
               count(*) as unsealed
     from (select e.id, e.txid, e.seq from audit_logs e
           where e.tenant_id = ${chain} and not exists (
             select from audit.seals s where s.event_id = e.id
               and (s.created_at is null or s.created_at = e.created_at
                    or not exists (select from audit_logs x where x.id = s.event_id and x.created_at = s.created_at${routing('x')})))
           offset 0) u`,
  );
  return { inserted: row?.inserted ?? null, unsealed: Number(row?.unsealed ?? 0) };
}
