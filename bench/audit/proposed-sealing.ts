import type pg from 'pg';
import { median } from '../lib/interleaved-rounds.ts';

/**
 * audit.seal_pending rewritten set-based, to measure before proposing it for
 * migration 0007: the batch is hashed in one query and every chain is
 * folded by a window aggregate (sha256(previous || event_hash)), then the
 * seals are written by one insert … select, instead of a PL/pgSQL loop that
 * hashes, looks up and inserts one event at a time. The row comparison
 * starts from a sentinel rather than `last_txid is null or …`, so that even a
 * generic plan reads the index from the last seal on. Same seals, same
 * hashes (the benchmark checks). Created as a plain function for the owner
 * to call; the migration would keep `security definer` and its owner.
 */
const setBasedSealingSql = `
  create or replace function bench_audit.chain_step(state bytea, start bytea, event_hash bytea) returns bytea
  language sql immutable as $$ select pg_catalog.sha256(coalesce(state, start) || event_hash) $$;
  create or replace aggregate bench_audit.chain_fold(bytea, bytea) (sfunc = bench_audit.chain_step, stype = bytea);
  create or replace function bench_audit.seal_pending_set(max_events integer default 10000) returns integer
  language plpgsql set search_path = '' as $$
  declare
    horizon xid8 := pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot());
    last_txid xid8;
    last_seq bigint;
    sealed integer;
  begin
    if not pg_catalog.pg_try_advisory_xact_lock(pg_catalog.hashtext('skillhub.audit.seal')) then
      return 0;
    end if;
    select s.txid, s.seq into last_txid, last_seq from audit.seals s order by s.txid desc, s.seq desc limit 1;
    with batch as materialized (
      select l.id, l.txid, l.seq, coalesce(l.tenant_id, '') as chain, audit.event_hash(l) as event_hash
      from public.audit_logs l
      where l.txid < horizon and (l.txid, l.seq) > (coalesce(last_txid, '0'::xid8), coalesce(last_seq, 0))
      order by l.txid, l.seq
      limit max_events
    ),
    heads as (
      select c.chain, coalesce(h.position, 0) as position,
             coalesce(h.chain_hash, audit.genesis_hash(c.chain)) as chain_hash
      from (select distinct b.chain from batch b) c
      left join lateral (select s.position, s.chain_hash from audit.seals s where s.chain = c.chain
                         order by s.position desc limit 1) h on true
    )
    insert into audit.seals (chain, position, event_id, txid, seq, event_hash, chain_hash)
    select b.chain, h.position + pg_catalog.row_number() over w, b.id, b.txid, b.seq, b.event_hash,
           bench_audit.chain_fold(h.chain_hash, b.event_hash) over w
    from batch b join heads h on h.chain = b.chain
    window w as (partition by b.chain order by b.txid, b.seq rows between unbounded preceding and current row);
    get diagnostics sealed = row_count;
    return sealed;
  end
  $$;`;

export async function installSetBasedSealing(owner: pg.Pool): Promise<void> {
  await owner.query(setBasedSealingSql);
}

export interface SealingComparison {
  events: number;
  designSeconds: number;
  setBasedSeconds: number;
}

/**
 * Seals the pending backlog (`events` events) with audit.seal_pending and
 * with the set-based rewrite, `rounds` times each, alternating, each in a
 * transaction that is rolled back; checks both produce the same chain hashes.
 */
export async function compareSealing(owner: pg.Pool, events: number, rounds: number): Promise<SealingComparison> {
  const client = await owner.connect();
  const times: Record<string, number[]> = { design: [], setBased: [] };
  const digests = new Set<string>();
  try {
    for (let round = 0; round < rounds; round++) {
      for (const [key, fn] of [
        ['design', 'audit.seal_pending'],
        ['setBased', 'bench_audit.seal_pending_set'],
      ] as const) {
        await client.query('begin');
        try {
          const before = await client.query<{ n: string }>('select count(*) as n from audit.seals');
          const start = process.hrtime.bigint();
          const { rows } = await client.query<{ n: number }>(`select ${fn}($1) as n`, [events]);
          times[key]?.push(Number(process.hrtime.bigint() - start) / 1e9);
          if (Number(rows[0]?.n) !== events) throw new Error(`${fn} sealed ${rows[0]?.n} of ${events} events`);
          const digest = await client.query<{ d: string }>(
            `select md5(string_agg(encode(chain_hash, 'hex'), '' order by chain, position)) as d
             from (select chain, position, chain_hash from audit.seals order by txid desc, seq desc limit $1) s`,
            [events],
          );
          digests.add(`${digest.rows[0]?.d}:${Number(before.rows[0]?.n) + events}`);
        } finally {
          await client.query('rollback');
        }
      }
    }
  } finally {
    client.release();
  }
  if (digests.size !== 1) throw new Error('the set-based rewrite sealed different hashes than audit.seal_pending');
  return { events, designSeconds: median(times.design ?? []), setBasedSeconds: median(times.setBased ?? []) };
}
