-- Sealing waits only for transactions that can write this database's ledger.
--
-- Sealing (0030's audit.seal_pending) takes events in (txid, seq) order up to
-- a horizon below which no transaction is still open, so that no event can
-- later appear behind the sealing cursor. That horizon was the oldest
-- transaction open anywhere on the server (pg_current_snapshot's xmin).
-- Transaction ids are shared by every database of a server, but a
-- transaction can only write the database it is connected to: a long report,
-- a bulk load or a forgotten session in ANOTHER database of the same server
-- held every new event of this one unsealed, and with it checkpoints, sink
-- delivery and CLI commands waiting for their events to be sealed, for as
-- long as it ran.
--
-- The horizon is now the oldest transaction of the snapshot that is not known
-- to belong to another database. Which database a transaction id belongs to
-- never changes: a running backend's backend_xid (pg_stat_activity shows it
-- to every role) or a prepared transaction's id (pg_prepared_xacts) names it
-- for good. A transaction of the snapshot that is found in neither (it ended
-- since, or it runs here) still holds the horizon, as before: sealing can
-- only wait longer than needed, never seal past a transaction of this
-- database. Transactions that will start later get ids above the snapshot's
-- xmax, which bounds the horizon as before.
create function audit.sealing_horizon() returns xid8
language sql stable set search_path = '' as $$
  with elsewhere as materialized (
    select a.backend_xid as xid from pg_catalog.pg_stat_activity a
    where a.backend_xid is not null
      and a.datid is distinct from (select d.oid from pg_catalog.pg_database d
                                    where d.datname = pg_catalog.current_database())
    union all
    select p.transaction from pg_catalog.pg_prepared_xacts p where p.database <> pg_catalog.current_database()
  )
  select coalesce(
    (select pg_catalog.min(x.x) from pg_catalog.pg_snapshot_xip(t.snapshot) x
     where not exists (select from elsewhere e where e.xid = pg_catalog.xid(x.x))),
    pg_catalog.pg_snapshot_xmax(t.snapshot))
  from (select pg_catalog.pg_current_snapshot() as snapshot) t
$$;
--> statement-breakpoint
alter function audit.sealing_horizon() owner to skillhub_system;
--> statement-breakpoint
revoke all on function audit.sealing_horizon() from public;
--> statement-breakpoint
-- 0030's seal_pending with the horizon above; nothing else changes.
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
    select e.id, e.txid, e.seq, e.tenant_id, e.chain, e.orphan,
           pg_catalog.sha256(e.canonical) as event_hash,
           pg_catalog.sha256('\x00'::bytea operator(pg_catalog.||) e.canonical) as leaf_hash
    from (
      select l.id, l.txid, l.seq, l.tenant_id, coalesce(l.tenant_id, '') as chain,
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
    insert into audit.seals (chain, position, event_id, txid, seq, event_hash, chain_hash, leaf_hash)
    select b.chain, h.position + pg_catalog.row_number() over w, b.id, b.txid, b.seq, b.event_hash,
           audit.chain_fold(h.chain_hash, b.event_hash) over w, b.leaf_hash
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
--> statement-breakpoint
-- 0023's status with the same horizon, and the oldest open writing
-- transaction of this database only (the one that holds it).
create or replace function audit.sealing_status()
returns table (pending bigint, held_back_by_xid xid8, oldest_open_transaction_started timestamptz)
language sql stable security definer set search_path = '' as $$
  select
    (select count(*) from public.audit_logs l, audit.sealing_cursor() c
      where c.txid is null or (l.txid, l.seq) > (c.txid, c.seq)),
    audit.sealing_horizon(),
    (select min(a.xact_start) from pg_catalog.pg_stat_activity a
      where a.backend_xid is not null and a.datname = pg_catalog.current_database())
$$;
