import { createHash } from 'node:crypto';
import type pg from 'pg';
import { openClient } from '../open-client.ts';

export type ChainBreakKind = 'modified' | 'missing' | 'inserted' | 'reordered' | 'truncated';

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
  break?: ChainBreak;
}

export interface VerifyAuditChainOptions {
  /** One tenant's chain; all chains when omitted. '' names the system chain. */
  tenantId?: string;
  /** Verify only events created in [from, to]; the chain is anchored at the seal before `from`. */
  from?: Date;
  to?: Date;
  /** A head recorded earlier (e.g. exported); its absence or a different hash means history was cut. */
  expectedHead?: ChainHead;
  onProgress?: (checked: number, total: number) => void;
}

export interface VerifyAuditResult {
  intact: boolean;
  events: number;
  chains: ChainVerdict[];
}

const fetchSize = 5_000;

const genesis = (chain: string) => createHash('sha256').update(`skillhub audit chain:${chain}`).digest();

interface SealRow {
  position: string;
  event_id: string;
  seal_order: string;
  event_hash: Buffer;
  chain_hash: Buffer;
  present: boolean;
  actual_hash: Buffer | null;
  event_order: string | null;
  event_chain: string | null;
}

/**
 * Recomputes the audit hash chains and reports, per chain, "intact, N
 * events, head H" or the first event that breaks it and how. Streams with
 * a cursor (constant memory) inside one read-only snapshot. Runs as the
 * owner, stepping into skillhub_system to read every tenant's events.
 */
export async function verifyAuditChain(
  ownerUrl: string,
  options: VerifyAuditChainOptions = {},
): Promise<VerifyAuditResult> {
  const client = await openClient(ownerUrl);
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
            await client.query<{ chain: string }>(
              `select distinct coalesce(tenant_id, '') as chain from audit_logs
               union select distinct chain from audit.seals order by 1`,
            )
          ).rows.map((r) => r.chain);
    const total = Number(
      (
        await client.query<{ n: string }>(
          `select count(*) as n from audit.seals where $1::text is null or chain = $1`,
          [options.tenantId ?? null],
        )
      ).rows[0]?.n ?? 0,
    );
    const progress = { checked: 0, total };
    const verdicts: ChainVerdict[] = [];
    for (const chain of chains) verdicts.push(await verifyChain(client, chain, options, progress));
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

async function positionRange(client: pg.Client, chain: string, options: VerifyAuditChainOptions) {
  if (!options.from && !options.to) return { first: 1, last: null as number | null };
  const { rows } = await client.query<{ first: string | null; last: string | null }>(
    `select min(s.position) as first, max(s.position) as last
     from audit.seals s join audit_logs e on e.id = s.event_id
     where s.chain = $1 and ($2::timestamptz is null or e.created_at >= $2) and ($3::timestamptz is null or e.created_at <= $3)`,
    [chain, options.from ?? null, options.to ?? null],
  );
  return { first: Number(rows[0]?.first ?? 1), last: rows[0]?.last ? Number(rows[0].last) : 0 };
}

async function verifyChain(
  client: pg.Client,
  chain: string,
  options: VerifyAuditChainOptions,
  progress: { checked: number; total: number },
): Promise<ChainVerdict> {
  const { first, last } = await positionRange(client, chain, options);
  let previous: Buffer = genesis(chain);
  if (first > 1) {
    const anchor = await client.query<{ chain_hash: Buffer }>(
      'select chain_hash from audit.seals where chain = $1 and position = $2',
      [chain, first - 1],
    );
    previous = anchor.rows[0]?.chain_hash ?? previous;
  }
  const verdict: ChainVerdict = { chain, intact: true, events: 0, head: null, unsealed: 0 };
  const fail = (kind: ChainBreakKind, position: number | null, eventId: string | null, detail: string) => {
    verdict.intact = false;
    verdict.break = { kind, position, eventId, detail };
    return verdict;
  };
  const cursor = `verify_${cursorCounter++}`;
  await client.query(
    `declare ${cursor} no scroll cursor for
     select s.position, s.event_id, (s.txid::text || ':' || s.seq) as seal_order, s.event_hash, s.chain_hash,
            e.id is not null as present, case when e.id is not null then audit.event_hash(e) end as actual_hash,
            (e.txid::text || ':' || e.seq) as event_order, coalesce(e.tenant_id, '') as event_chain
     from audit.seals s left join audit_logs e on e.id = s.event_id
     where s.chain = $1 and s.position >= $2 and ($3::bigint is null or s.position <= $3)
     order by s.position`,
    [chain, first, last],
  );
  let expectedPosition = first;
  let lastOrder: [bigint, bigint] | null = null;
  for (;;) {
    const { rows } = await client.query<SealRow>(`fetch ${fetchSize} from ${cursor}`);
    if (rows.length === 0) break;
    for (const row of rows) {
      const position = Number(row.position);
      if (position !== expectedPosition) {
        return fail('missing', expectedPosition, null, `seals ${expectedPosition}..${position - 1} are gone`);
      }
      if (!row.present) return fail('missing', position, row.event_id, `event ${row.event_id} was deleted`);
      const order = parseOrder(row.seal_order);
      if (row.event_order !== row.seal_order || (lastOrder && compareOrder(order, lastOrder) <= 0)) {
        return fail(
          'reordered',
          position,
          row.event_id,
          `event ${row.event_id} no longer holds its place in the chain`,
        );
      }
      if (row.event_chain !== chain) {
        return fail('modified', position, row.event_id, `event ${row.event_id} was moved to another tenant`);
      }
      if (!row.actual_hash?.equals(row.event_hash)) {
        return fail('modified', position, row.event_id, `event ${row.event_id} differs from what was sealed`);
      }
      const chained = createHash('sha256').update(previous).update(row.event_hash).digest();
      if (!chained.equals(row.chain_hash)) {
        return fail('modified', position, row.event_id, `the seal of event ${row.event_id} was rewritten`);
      }
      previous = chained;
      lastOrder = order;
      expectedPosition = position + 1;
      verdict.events += 1;
      verdict.head = { position, hash: chained.toString('hex') };
      progress.checked += 1;
    }
    options.onProgress?.(progress.checked, progress.total);
  }
  await client.query(`close ${cursor}`);
  if (last === null) {
    const inserted = await findInserted(client, chain);
    if (inserted)
      return fail('inserted', null, inserted, `event ${inserted} sits inside sealed history but was never sealed`);
    verdict.unsealed = await countUnsealed(client, chain);
  }
  const expected = options.expectedHead;
  if (expected && last === null) {
    if (!verdict.head || verdict.head.position < expected.position) {
      return fail(
        'truncated',
        verdict.head?.position ?? 0,
        null,
        `the chain ends at ${verdict.head?.position ?? 0} but a recorded head was at ${expected.position}`,
      );
    }
    const atHead = await client.query<{ chain_hash: Buffer }>(
      'select chain_hash from audit.seals where chain = $1 and position = $2',
      [chain, expected.position],
    );
    if (atHead.rows[0]?.chain_hash.toString('hex') !== expected.hash) {
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

let cursorCounter = 0;

const parseOrder = (text: string): [bigint, bigint] => {
  const [txid, seq] = text.split(':');
  return [BigInt(txid ?? 0), BigInt(seq ?? 0)];
};

const compareOrder = (a: [bigint, bigint], b: [bigint, bigint]) =>
  a[0] === b[0] ? (a[1] === b[1] ? 0 : a[1] < b[1] ? -1 : 1) : a[0] < b[0] ? -1 : 1;

const chainFilter = `(case when $1 = '' then e.tenant_id is null else e.tenant_id = $1 end)`;

/** An event older than the newest seal that no seal covers was slipped into history. */
async function findInserted(client: pg.Client, chain: string): Promise<string | null> {
  const { rows } = await client.query<{ id: string }>(
    `select e.id from audit_logs e
     where ${chainFilter}
       and (e.txid, e.seq) < (select s.txid, s.seq from audit.seals s order by s.txid desc, s.seq desc limit 1)
       and not exists (select from audit.seals s where s.event_id = e.id)
     order by e.txid, e.seq limit 1`,
    [chain],
  );
  return rows[0]?.id ?? null;
}

async function countUnsealed(client: pg.Client, chain: string): Promise<number> {
  const { rows } = await client.query<{ n: string }>(
    `select count(*) as n from audit_logs e where ${chainFilter}
       and not exists (select from audit.seals s where s.event_id = e.id)`,
    [chain],
  );
  return Number(rows[0]?.n ?? 0);
}
