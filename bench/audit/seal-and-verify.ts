import { type VerifyAuditChainOptions, type VerifyAuditResult, verifyAuditChain } from '@skillhub/db';
import { openRawClient, type RawPool } from '@skillhub/db/bench';

const seconds = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e9;

export interface SealCalls {
  sealed: number;
  seconds: number;
  /** Milliseconds of each call, in order. */
  callMs: number[];
}

/**
 * Calls `audit.seal_pending(batch)` as the runtime role on one new
 * connection until a call comes back short (the backlog is sealed), as the
 * server's sealer does on a pooled connection. A new connection means a
 * fresh PL/pgSQL plan cache: its first five calls get custom plans, later
 * ones may run the cached generic plan.
 */
export async function sealInCalls(
  appUrl: string,
  batch: number,
  onProgress?: (message: string) => void,
): Promise<SealCalls> {
  const client = openRawClient({ connectionString: appUrl });
  await client.connect();
  const callMs: number[] = [];
  let sealed = 0;
  const start = process.hrtime.bigint();
  try {
    for (;;) {
      const t0 = process.hrtime.bigint();
      const { rows } = await client.query<{ n: number }>('select audit.seal_pending($1) as n', [batch]);
      callMs.push(seconds(t0) * 1000);
      const n = Number(rows[0]?.n ?? 0);
      sealed += n;
      if (n < batch) break;
      if (callMs.length % 10 === 0) onProgress?.(`  sealed ${sealed.toLocaleString('en-US')} events`);
    }
  } finally {
    await client.end();
  }
  return { sealed, seconds: seconds(start), callMs };
}

/**
 * The server-side floor under sealing and verification: computing
 * `audit.event_hash` of every event in one scan, nothing written or sent.
 */
export async function hashScan(owner: RawPool): Promise<{ events: number; seconds: number }> {
  const start = process.hrtime.bigint();
  const { rows } = await owner.query<{ n: string }>(`select count(audit.event_hash(l)) as n from public.audit_logs l`);
  return { events: Number(rows[0]?.n ?? 0), seconds: seconds(start) };
}

/**
 * What verification cannot avoid on the client side: streaming the same
 * rows (seals joined to their events, per chain order) through a cursor in
 * one read-only snapshot, 5,000 per fetch, without hashing anything.
 */
export async function plainRead(ownerUrl: string): Promise<{ events: number; seconds: number }> {
  const client = openRawClient({ connectionString: ownerUrl });
  await client.connect();
  const start = process.hrtime.bigint();
  let events = 0;
  try {
    await client.query('begin isolation level repeatable read read only');
    await client.query(`declare plain_read no scroll cursor for
      select s.position, s.event_id, (s.txid::text || ':' || s.seq) as seal_order, s.event_hash, s.chain_hash,
             e.id is not null as present, (e.txid::text || ':' || e.seq) as event_order,
             coalesce(e.tenant_id, '') as event_chain
      from audit.seals s left join audit_logs e on e.id = s.event_id
      order by s.chain, s.position`);
    for (;;) {
      const { rows } = await client.query('fetch 5000 from plain_read');
      if (rows.length === 0) break;
      events += rows.length;
    }
    await client.query('commit');
  } finally {
    await client.end();
  }
  return { events, seconds: seconds(start) };
}

export interface VerifyFigures {
  result: VerifyAuditResult;
  seconds: number;
  /** Resident set size before the call and its peak during it, bytes (sampled every 10 ms). */
  rssBefore: number;
  rssPeak: number;
}

/** Times `verifyAuditChain` while sampling this process's resident memory. */
export async function timedVerify(ownerUrl: string, options: VerifyAuditChainOptions = {}): Promise<VerifyFigures> {
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  const sample = () => {
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  };
  const timer = setInterval(sample, 10);
  const start = process.hrtime.bigint();
  try {
    // Progress fires after every fetch: sample there too, in case the event loop is busy hashing.
    const result = await verifyAuditChain(ownerUrl, { ...options, onProgress: sample });
    return { result, seconds: seconds(start), rssBefore, rssPeak };
  } finally {
    clearInterval(timer);
  }
}
