import type { RawPool, RawPoolClient } from '@skillhub/db/bench';
import { inTransaction } from '../lib/in-transaction.ts';

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Rows Removed by Filter'?: number;
  Plans?: PlanNode[];
}

interface Explained {
  ms: number;
  plan: PlanNode;
}

async function explain(client: RawPoolClient, text: string, params: unknown[]): Promise<Explained> {
  const { rows } = await client.query<{ 'QUERY PLAN': [{ Plan: PlanNode; 'Execution Time': number }] }>(
    `explain (analyze, format json) ${text}`,
    params,
  );
  const out = rows[0]?.['QUERY PLAN'][0];
  if (!out) throw new Error('explain returned nothing');
  return { ms: out['Execution Time'], plan: out.Plan };
}

function* nodes(plan: PlanNode): Generator<PlanNode> {
  yield plan;
  for (const child of plan.Plans ?? []) yield* nodes(child);
}

/** Index entries a plan read through `index` (actual rows × loops), and the rows its filters threw away. */
function readThrough(plan: PlanNode, index: string): { rows: number; removed: number } {
  let rows = 0;
  let removed = 0;
  for (const node of nodes(plan)) {
    if (node['Index Name'] === index) {
      rows += (node['Actual Rows'] ?? 0) * (node['Actual Loops'] ?? 1);
      removed += node['Rows Removed by Filter'] ?? 0;
    }
  }
  return { rows: rows + removed, removed };
}

// The batch query of audit.seal_pending (migration 0015), as PL/pgSQL runs it: its variables become parameters.
const sealQuery = `select * from public.audit_logs l
  where l.txid < $1 and (l.txid, l.seq) > (coalesce($2::xid8, '0'::xid8), coalesce($3::bigint, 0))
  order by l.txid, l.seq limit $4`;

export interface SealPlanFigures {
  custom: { ms: number; entries: number };
  generic: { ms: number; entries: number; removed: number };
}

/**
 * The sealing query's two plans on the current backlog: the custom plan
 * PL/pgSQL uses for a session's first five calls, and the generic plan it
 * may switch to after that (whether it does depends on the statistics).
 */
export async function profileSealQuery(owner: RawPool, batch: number): Promise<SealPlanFigures> {
  return inTransaction(
    owner,
    async (client) => {
      const { rows } = await client.query<{ horizon: string; txid: string | null; seq: string | null }>(
        `select pg_snapshot_xmin(pg_current_snapshot())::text as horizon, s.txid::text as txid, s.seq::text as seq
         from (select 1) one left join lateral (
           select txid, seq from audit.seals order by txid desc, seq desc limit 1) s on true`,
      );
      const last = rows[0];
      // EXECUTE takes literals; these are numbers read from the server just now.
      const literal = (value: string | null | undefined) => (value == null ? 'null' : `'${value}'`);
      const args = [literal(last?.horizon), literal(last?.txid), literal(last?.seq), String(batch)].join(', ');
      await client.query(`prepare bench_seal_next(xid8, xid8, bigint, integer) as ${sealQuery}`);
      const run = async (mode: string) => {
        await client.query(`set local plan_cache_mode = ${mode}`);
        return explain(client, `execute bench_seal_next(${args})`, []);
      };
      const custom = await run('force_custom_plan');
      const generic = await run('force_generic_plan');
      const c = readThrough(custom.plan, 'audit_logs_txid_seq_idx');
      const g = readThrough(generic.plan, 'audit_logs_txid_seq_idx');
      return {
        custom: { ms: custom.ms, entries: c.rows },
        generic: { ms: generic.ms, entries: g.rows, removed: g.removed },
      };
    },
    { rollback: true },
  );
}

// The per-chain queries of verifyAuditChain (packages/db/src/audit/verify-chain.ts), for one chain.
const chainFilter = `e.tenant_id = $1`;
const verifyQueries = {
  cursor: `select s.position, s.event_id, (s.txid::text || ':' || s.seq) as seal_order, s.event_hash, s.chain_hash,
      e.id is not null as present, case when e.id is not null then audit.event_hash(e) end as actual_hash,
      (e.txid::text || ':' || e.seq) as event_order, e.tenant_id as event_chain
    from audit.seals s left join lateral (select l.* from audit_logs l where l.id = s.event_id) e on true
    where s.chain = $1 and s.position >= 1 order by s.position`,
  unsealed: `select (array_agg(u.id order by u.txid, u.seq)
                filter (where (u.txid, u.seq) < (select s.txid, s.seq from audit.seals s
                                                  order by s.txid desc, s.seq desc limit 1)))[1] as inserted,
             count(*) as unsealed
    from (select e.id, e.txid, e.seq from audit_logs e
          where ${chainFilter} and not exists (select from audit.seals s where s.event_id = e.id) offset 0) u`,
};

// The same answers for every chain at once, in one anti-join pass over the whole ledger, for comparison.
const allChainsQuery = `with last as (select s.txid, s.seq from audit.seals s order by s.txid desc, s.seq desc limit 1)
  select coalesce(e.tenant_id, '') as chain,
         count(*) filter (where (e.txid, e.seq) > (select txid, seq from last)) as unsealed,
         (array_agg(e.id order by e.txid, e.seq)
            filter (where (e.txid, e.seq) < (select txid, seq from last)))[1] as inserted
  from audit_logs e
  where not exists (select from audit.seals s where s.event_id = e.id)
  group by 1`;

export interface VerifyPlanFigures {
  cursorMs: number;
  /** The chain's unsealed events: any slipped into sealed history, and how many await sealing. */
  unsealedMs: number;
  allChainsMs: number;
}

/** Where one chain's verification goes inside PostgreSQL (explain analyze as the owner, read-only). */
export async function profileVerifyQueries(owner: RawPool, chain: string): Promise<VerifyPlanFigures> {
  const client = await owner.connect();
  try {
    await client.query('begin isolation level repeatable read read only');
    const cursor = await explain(client, verifyQueries.cursor, [chain]);
    const unsealed = await explain(client, verifyQueries.unsealed, [chain]);
    const allChains = await explain(client, allChainsQuery, []);
    return {
      cursorMs: cursor.ms,
      unsealedMs: unsealed.ms,
      allChainsMs: allChains.ms,
    };
  } finally {
    await client.query('rollback').catch(() => {});
    client.release();
  }
}
