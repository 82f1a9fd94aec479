import type pg from 'pg';
import { median } from '../lib/interleaved-rounds.ts';

/**
 * The row-by-row sealing that migration 0007 shipped (a PL/pgSQL loop that
 * hashes, looks up and inserts one event at a time), kept as the baseline
 * for the set-based audit.seal_pending of 0015. Created as a plain function
 * for the owner to call.
 */
const loopSealingSql = `
  create schema if not exists bench_audit;
  create or replace function bench_audit.seal_pending_loop(max_events integer default 10000) returns integer
  language plpgsql set search_path = '' as $$
  declare
    horizon xid8 := pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot());
    last_txid xid8;
    last_seq bigint;
    e public.audit_logs;
    chain_key text;
    prev_position bigint;
    prev_hash bytea;
    ev_hash bytea;
    sealed integer := 0;
    heads jsonb := '{}';
  begin
    if not pg_catalog.pg_try_advisory_xact_lock(pg_catalog.hashtext('skillhub.audit.seal')) then
      return 0;
    end if;
    select s.txid, s.seq into last_txid, last_seq from audit.seals s order by s.txid desc, s.seq desc limit 1;
    for e in
      select * from public.audit_logs l
      where l.txid < horizon and (last_txid is null or (l.txid, l.seq) > (last_txid, last_seq))
      order by l.txid, l.seq
      limit max_events
    loop
      chain_key := coalesce(e.tenant_id, '');
      if heads ? chain_key then
        prev_position := (heads -> chain_key ->> 0)::bigint;
        prev_hash := pg_catalog.decode(heads -> chain_key ->> 1, 'hex');
      else
        select s.position, s.chain_hash into prev_position, prev_hash
        from audit.seals s where s.chain = chain_key order by s.position desc limit 1;
        if not found then
          prev_position := 0;
          prev_hash := audit.genesis_hash(chain_key);
        end if;
      end if;
      ev_hash := audit.event_hash(e);
      prev_hash := pg_catalog.sha256(prev_hash || ev_hash);
      prev_position := prev_position + 1;
      insert into audit.seals (chain, position, event_id, txid, seq, event_hash, chain_hash)
      values (chain_key, prev_position, e.id, e.txid, e.seq, ev_hash, prev_hash);
      heads := heads || pg_catalog.jsonb_build_object(chain_key,
        pg_catalog.jsonb_build_array(prev_position, pg_catalog.encode(prev_hash, 'hex')));
      sealed := sealed + 1;
    end loop;
    return sealed;
  end
  $$;`;

export async function installLoopSealing(owner: pg.Pool): Promise<void> {
  await owner.query(loopSealingSql);
}

export interface SealingComparison {
  events: number;
  designSeconds: number;
  loopSeconds: number;
}

/**
 * Seals the pending backlog (`events` events) with audit.seal_pending and
 * with the row-by-row loop, `rounds` times each, alternating, each in a
 * transaction that is rolled back; checks both produce the same chain hashes.
 */
export async function compareSealing(owner: pg.Pool, events: number, rounds: number): Promise<SealingComparison> {
  const client = await owner.connect();
  const times: Record<string, number[]> = { design: [], loop: [] };
  const digests = new Set<string>();
  try {
    for (let round = 0; round < rounds; round++) {
      for (const [key, fn] of [
        ['design', 'audit.seal_pending'],
        ['loop', 'bench_audit.seal_pending_loop'],
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
  if (digests.size !== 1) throw new Error('the row-by-row loop sealed different hashes than audit.seal_pending');
  return { events, designSeconds: median(times.design ?? []), loopSeconds: median(times.loop ?? []) };
}
