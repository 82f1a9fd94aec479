-- Where each sealed event lives: its created_at, the ledger's partition key,
-- recorded by sealing beside the event's id. Full verification reads every
-- seal's event by id; without the partition key that lookup probes the
-- primary key of every monthly partition (a year's ledger: 13 probes per
-- event, most of verification's database time), with it one partition.
--
-- Only a locator, under no hash: verification still compares every event
-- with its sealed hashes, and looks in every month when the event is not
-- where its seal says (a seal made before this migration has none, and an
-- edited created_at moves an event out of place; either is then found, and
-- an edit is named as before). Nullable: old seals keep NULL.
alter table audit.seals add column created_at timestamptz;
--> statement-breakpoint
-- 0061's seal_pending recording each event's created_at; nothing else changes.
create or replace function audit.seal_pending(max_events integer default 10000) returns integer
language plpgsql security definer set search_path = '' as $$
declare
  horizon xid8 := audit.sealing_horizon();
  last_txid xid8;
  last_seq bigint;
  sealed integer;
  refused integer;
  chains text[];
  old_sizes bigint[];
  new_sizes bigint[];
begin
  if not pg_catalog.pg_try_advisory_xact_lock(pg_catalog.hashtext('skillhub.audit.seal')) then
    return 0;
  end if;
  select c.txid, c.seq into last_txid, last_seq from audit.sealing_cursor() c;
  with batch as materialized (
    select e.id, e.txid, e.seq, e.tenant_id, e.chain, e.orphan, e.created_at,
           pg_catalog.sha256(e.canonical) as event_hash,
           pg_catalog.sha256('\x00'::bytea operator(pg_catalog.||) e.canonical) as leaf_hash
    from (
      select l.id, l.txid, l.seq, l.tenant_id, coalesce(l.tenant_id, '') as chain, l.created_at,
             pg_catalog.convert_to(audit.canonical_text(l), 'UTF8') as canonical,
             l.tenant_id is not null and not exists (select from public.tenants t where t.id = l.tenant_id) as orphan
      from public.audit_logs l
      where l.txid < horizon and (l.txid, l.seq) > (coalesce(last_txid, '0'::xid8), coalesce(last_seq, 0))
      order by l.txid, l.seq
      limit max_events
    ) e
  ),
  refusals as (
    insert into audit.refused_events (event_id, txid, seq, named_tenant, reason)
    select b.id, b.txid, b.seq, b.tenant_id, 'its tenant does not exist' from batch b where b.orphan
    returning 1
  ),
  heads as (
    select c.chain, coalesce(h.position, 0) as position, coalesce(h.chain_hash, audit.genesis_hash(c.chain)) as chain_hash
    from (select distinct b.chain from batch b where not b.orphan) c
    left join lateral (select s.position, s.chain_hash from audit.seals s where s.chain = c.chain
                       order by s.position desc limit 1) h on true
  ),
  sealing as (
    insert into audit.seals (chain, position, event_id, txid, seq, event_hash, chain_hash, leaf_hash, created_at)
    select b.chain, h.position + pg_catalog.row_number() over w, b.id, b.txid, b.seq, b.event_hash,
           audit.chain_fold(h.chain_hash, b.event_hash) over w, b.leaf_hash, b.created_at
    from batch b join heads h on h.chain = b.chain
    where not b.orphan
    window w as (partition by b.chain order by b.txid, b.seq rows between unbounded preceding and current row)
    returning chain
  ),
  grown as (
    select s.chain, pg_catalog.count(*) as added from sealing s group by s.chain
  )
  select (select pg_catalog.sum(g.added) from grown g), (select pg_catalog.count(*) from refusals),
         (select pg_catalog.array_agg(g.chain order by g.chain) from grown g),
         (select pg_catalog.array_agg(h.position order by g.chain) from grown g join heads h on h.chain = g.chain),
         (select pg_catalog.array_agg(h.position + g.added order by g.chain) from grown g join heads h on h.chain = g.chain)
    into sealed, refused, chains, old_sizes, new_sizes;
  if chains is not null then
    perform audit.extend_trees(chains, old_sizes, new_sizes);
  end if;
  if refused > 0 then
    raise warning 'sealing refused % audit events whose tenant does not exist', refused
      using hint = 'They were written outside the application; see audit.refused_events and skillhub doctor.';
  end if;
  return coalesce(sealed, 0);
end
$$;
