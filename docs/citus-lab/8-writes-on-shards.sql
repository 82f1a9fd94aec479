-- Lab step 8: the ledger's write path and sealing on the shards (after 1, 2 and 7, on a database with
-- `skillhub demo` data). Each part shows a finding of steps 6-7 where it fails, then the form that worked.
-- Run as the owner, a superuser. It makes lab objects of its own (lab_notes and audit.lab_*).
\set ON_ERROR_STOP 1
set citus.enable_unsafe_triggers = on;

\echo '--- the product''s write path on the shards (packages/db/citus/writes-per-shard.sql): the functions the'
\echo '--- workers lack distributed, txid and seq stamped where the row lands, every capture written for its placement'
\ir ../../packages/db/citus/writes-per-shard.sql
select count(*) as audit_and_platform_functions_missing_on_a_worker
from run_command_on_workers($$select pg_catalog.string_agg(p.oid::regprocedure::text, ';')
                              from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace
                              where n.nspname in ('audit', 'platform')$$) w
cross join pg_proc p join pg_namespace n on n.oid = p.pronamespace
where n.nspname in ('audit', 'platform') and p.oid::regprocedure::text <> all (string_to_array(w.result, ';'));

\echo '--- the lab table, colocated with the ledger, and a role that writes it'
create table public.lab_notes (tenant_id text not null, n integer not null, body text, primary key (tenant_id, n));
select create_distributed_table('public.lab_notes', 'tenant_id', colocate_with => 'audit_logs');
grant select, insert on public.lab_notes to skillhub_server;
select t.id as acme from tenants t where t.slug = 'acme' \gset

\echo '--- change capture as today: insert into public.audit_logs from the transition table, on the shard'
create function audit.lab_capture_notes() returns trigger language plpgsql security definer set search_path = '' as $$
begin
  insert into public.audit_logs (tenant_id, action, resource_type, resource_id, operation, table_name, new_record)
  select r.tenant_id, 'lab_notes.insert', 'lab_notes', r.n::text, 'INSERT', 'lab_notes', pg_catalog.to_jsonb(r)
  from new_rows r;
  return null;
end
$$;
alter function audit.lab_capture_notes() owner to skillhub_system;
create trigger lab_notes_capture after insert on public.lab_notes referencing new table as new_rows
  for each statement execute function audit.lab_capture_notes();
\set ON_ERROR_STOP 0
insert into public.lab_notes values (:'acme', 1, 'captured as today');
\set ON_ERROR_STOP 1

\echo '--- the same capture into the colocated ledger shard (the same hash range as the written shard)'
-- A shard's name is its table's with _<shard id>; the colocated shard of another table covers the same range.
create function audit.lab_colocated_shard(shard oid, target regclass) returns text
language sql stable set search_path = '' as $$
  select pg_catalog.format('%I.%I', tn.nspname, tc.relname || '_' || t.shardid)
  from pg_catalog.pg_class c
  join pg_catalog.pg_dist_shard s on s.shardid = pg_catalog.substring(c.relname, '_([0-9]+)$')::bigint
  join pg_catalog.pg_dist_shard t on t.logicalrelid = target and t.shardminvalue = s.shardminvalue
  join pg_catalog.pg_class tc on tc.oid = target
  join pg_catalog.pg_namespace tn on tn.oid = tc.relnamespace
  where c.oid = shard
$$;
create or replace function audit.lab_capture_notes() returns trigger language plpgsql security definer set search_path = '' as $$
begin
  execute pg_catalog.format(
    'insert into %s (tenant_id, action, resource_type, resource_id, operation, table_name, new_record) '
    'select r.tenant_id, ''lab_notes.insert'', ''lab_notes'', r.n::text, ''INSERT'', ''lab_notes'', pg_catalog.to_jsonb(r) '
    'from new_rows r', audit.lab_colocated_shard(tg_relid, 'public.audit_logs'));
  return null;
end
$$;
insert into public.lab_notes values (:'acme', 1, 'captured into the shard');
select action, resource_id, txid, seq from audit_logs where tenant_id = :'acme' and action = 'lab_notes.insert';

\echo '--- a door (security definer, owned by the NOLOGIN skillhub_system) after a write in the same transaction'
create function audit.lab_note_door(tenant text, note text) returns void
language plpgsql security definer set search_path = '' as $$
begin
  insert into public.audit_logs (tenant_id, action, resource_type, metadata)
  values (tenant, 'lab.door', 'lab_notes', pg_catalog.jsonb_build_object('note', note));
end
$$;
alter function audit.lab_note_door(text, text) owner to skillhub_system;
grant execute on function audit.lab_note_door(text, text) to skillhub_server;
\set ON_ERROR_STOP 0
set role skillhub_server;
begin;
insert into public.lab_notes values (:'acme', 2, 'before the door');
select audit.lab_note_door(:'acme', 'called on the coordinator');
rollback;
reset role;
\set ON_ERROR_STOP 1

\echo '--- the door delegated by its tenant argument: it runs on the worker, in the worker transaction'
select create_distributed_function('audit.lab_note_door(text, text)', 'tenant', colocate_with => 'audit_logs',
                                   force_delegation => true);
set role skillhub_server;
begin;
insert into public.lab_notes values (:'acme', 2, 'before the door');
select audit.lab_note_door(:'acme', 'delegated');
insert into public.lab_notes values (:'acme', 3, 'after the door');
select pg_current_xact_id() as coordinator_txid;
commit;
reset role;
select action, coalesce(resource_id, metadata ->> 'note') as what, txid, seq from audit_logs
where tenant_id = :'acme' and action in ('lab_notes.insert', 'lab.door') order by txid, seq;

\echo '--- change capture of a table that stays on the coordinator (the deployment sink) into the distributed ledger'
-- Before 0077's coordinator form: "executor could not find named tuplestore", as on the shards.
insert into platform.deployment_sink (url) values ('syslog://127.0.0.1:6514');
select count(*) as deployment_sink_events from audit_logs where tenant_id = '' and table_name = 'deployment_sink';

\echo '--- step 7: sealing per chain, on the node that holds the chain'
-- Where a chain's sealing stands, in its node's id space: the seals made before the conversion carry the
-- coordinator's transaction ids, which say nothing about a worker's (found: a cursor taken from them skipped
-- the worker's events). No row: nothing sealed on the node yet.
create table audit.seal_cursors (chain text primary key, txid xid8 not null, seq bigint not null);
select create_distributed_table('audit.seal_cursors', 'chain', colocate_with => 'audit_logs');
grant select, insert, update on audit.seal_cursors to skillhub_system;
create function audit.seal_chain(chain text, max_events integer default 10000) returns integer
language plpgsql security definer set search_path = '' as $$
declare
  horizon xid8 := audit.sealing_horizon();
  last_txid xid8;
  last_seq bigint;
  ids uuid[];
  txids xid8[];
  seqs bigint[];
  stamps timestamptz[];
  canonicals bytea[];
  head_position bigint;
  head_hash bytea;
  sealed integer;
begin
  if not pg_catalog.pg_try_advisory_xact_lock(pg_catalog.hashtext('skillhub.audit.seal'), pg_catalog.hashtext(chain)) then
    return 0;
  end if;
  select c.txid, c.seq into last_txid, last_seq from audit.seal_cursors c where c.chain = seal_chain.chain;
  -- The anti-join keeps the first run after the conversion (no cursor row) from taking sealed events again.
  select pg_catalog.array_agg(b.id order by b.txid, b.seq), pg_catalog.array_agg(b.txid order by b.txid, b.seq),
         pg_catalog.array_agg(b.seq order by b.txid, b.seq), pg_catalog.array_agg(b.created_at order by b.txid, b.seq),
         pg_catalog.array_agg(b.canonical order by b.txid, b.seq)
    into ids, txids, seqs, stamps, canonicals
  from (
    select l.id, l.txid, l.seq, l.created_at,
           pg_catalog.convert_to(audit.canonical_text(row(l.*)::public.audit_logs), 'UTF8') as canonical
    from public.audit_logs l
    where l.tenant_id = seal_chain.chain and l.txid < horizon
      and (l.txid, l.seq) > (coalesce(last_txid, '0'::xid8), coalesce(last_seq, 0))
      and not exists (select from audit.seals s where s.chain = seal_chain.chain and s.event_id = l.id)
    order by l.txid, l.seq
    limit max_events
  ) b;
  if ids is null then
    return 0;
  end if;
  if chain <> '' and not exists (select from public.tenants t where t.id = chain) then
    insert into audit.refused_events (event_id, txid, seq, named_tenant, reason)
    select u.id, u.txid, u.seq, chain, 'its tenant does not exist' from unnest(ids, txids, seqs) u (id, txid, seq);
    sealed := 0;
  else
    select s.position, s.chain_hash into head_position, head_hash from audit.seals s
    where s.chain = seal_chain.chain order by s.position desc limit 1;
    head_position := coalesce(head_position, 0);
    insert into audit.seals (chain, position, event_id, txid, seq, event_hash, chain_hash, leaf_hash, created_at)
    select chain, head_position + u.i, u.id, u.txid, u.seq, pg_catalog.sha256(u.canonical),
           audit.chain_fold(coalesce(head_hash, audit.genesis_hash(chain)), pg_catalog.sha256(u.canonical))
             over (order by u.i rows between unbounded preceding and current row),
           pg_catalog.sha256('\x00'::bytea operator(pg_catalog.||) u.canonical), u.created_at
    from unnest(ids, txids, seqs, stamps, canonicals) with ordinality u (id, txid, seq, created_at, canonical, i);
    sealed := pg_catalog.cardinality(ids);
    perform audit.extend_trees(array[chain], array[head_position], array[head_position + sealed]);
  end if;
  insert into audit.seal_cursors (chain, txid, seq)
  values (chain, txids[pg_catalog.cardinality(txids)], seqs[pg_catalog.cardinality(seqs)])
  on conflict on constraint seal_cursors_pkey do update set txid = excluded.txid, seq = excluded.seq;
  return sealed;
end
$$;
alter function audit.seal_chain(text, integer) owner to skillhub_system;
revoke all on function audit.seal_chain(text, integer) from public;
grant execute on function audit.seal_chain(text, integer) to skillhub_server;
select create_distributed_function('audit.seal_chain(text, integer)', 'chain', colocate_with => 'audit_logs',
                                   force_delegation => true);

\echo '--- every chain sealed from the coordinator as the runtime role, one call per chain, then again'
-- A delegated function is sent to its node only when called alone with constant arguments, hence \gexec.
create temp table chains as select id as chain, slug as label from tenants union all select '', '(system)';
grant select on chains to skillhub_server;
set role skillhub_server;
-- \gexec runs each column as a statement of its own: the chain's name, then the call alone.
select pg_catalog.format('select %L as chain', label), pg_catalog.format('select audit.seal_chain(%L) as sealed', chain)
from chains order by label \gexec
select pg_catalog.format('select %L as chain', label),
       pg_catalog.format('select audit.seal_chain(%L) as sealed_on_a_second_run', chain)
from chains order by label \gexec
reset role;

\echo '--- one call per shard instead of one per chain: a shard''s chains sealed by a call routed by any of them'
-- A chain no tenant has, in acme's shard (its events are refused), and a new event of acme.
select get_shard_id_for_distribution_column('public.audit_logs', :'acme') as acme_shard \gset
select v as twin from generate_series(1, 5000) g, lateral (select 'lab-twin-' || g as v) x
where get_shard_id_for_distribution_column('public.audit_logs', v) = :acme_shard limit 1 \gset
insert into audit_logs (tenant_id, action, resource_type) values (:'twin', 'lab.twin', 'lab');
insert into public.lab_notes values (:'acme', 7, 'sealed with its shard');
create function audit.lab_seal_shard(representative text) returns integer
language plpgsql security definer set search_path = '' as $$
declare
  chain text;
  sealed integer := 0;
begin
  -- The shard itself, read where it lies: its chains, each sealed by seal_chain.
  for chain in execute pg_catalog.format('select distinct l.tenant_id from public.audit_logs_%s l',
                                         pg_catalog.get_shard_id_for_distribution_column('public.audit_logs', representative))
  loop
    sealed := sealed + audit.seal_chain(chain);
  end loop;
  return sealed;
end
$$;
alter function audit.lab_seal_shard(text) owner to skillhub_system;
grant execute on function audit.lab_seal_shard(text) to skillhub_server;
-- Forced delegation refuses a statement that filters by any value but the call's own (found).
select create_distributed_function('audit.lab_seal_shard(text)', 'representative', colocate_with => 'audit_logs',
                                   force_delegation => true);
set role skillhub_server;
\set ON_ERROR_STOP 0
select audit.lab_seal_shard(:'acme') as sealed_in_acmes_shard;
\set ON_ERROR_STOP 1
reset role;
-- Delegated only outside a transaction block, as the sealer calls it: it runs on the shard's node.
select create_distributed_function('audit.lab_seal_shard(text)', 'representative', colocate_with => 'audit_logs',
                                   force_delegation => false);
set role skillhub_server;
select audit.lab_seal_shard(:'acme') as sealed_in_acmes_shard;
select audit.lab_seal_shard(:'acme') as sealed_again;
reset role;
select count(*) as twin_refusals from audit.refused_events where named_tenant = :'twin';

\echo '--- the tree functions from the coordinator (0075: stored_nodes in PL/pgSQL, the leaf check paired by chain)'
-- Before 0075: "could not create distributed plan ... parameters in SQL functions" (tree_root), and "complex
-- joins are only supported when all distributed tables are co-located and joined on their distribution
-- columns" (root_from_events).
select audit.tree_root(:'acme', 600) is not null as acme_root_at_600,
       audit.root_from_events(:'acme', 0, 600) = audit.tree_root(:'acme', 600) as acme_rehash_matches;

\echo '--- each chain recomputed from its events, and its tree root from its leaves'
create function audit.lab_check_chain(chain text) returns table (events bigint, chain_intact boolean, tree_matches boolean)
language plpgsql stable set search_path = '' as $$
declare
  sealed bigint;
  intact boolean;
begin
  select pg_catalog.count(*), coalesce(pg_catalog.bool_and(f.recomputed = f.event_hash and f.refolded = f.chain_hash), true)
    into sealed, intact
  from (
    select s.event_hash, s.chain_hash,
           pg_catalog.sha256(pg_catalog.convert_to(audit.canonical_text(row(l.*)::public.audit_logs), 'UTF8')) as recomputed,
           audit.chain_fold(audit.genesis_hash(lab_check_chain.chain), s.event_hash)
             over (order by s.position rows between unbounded preceding and current row) as refolded
    from audit.seals s join public.audit_logs l on l.tenant_id = s.chain and l.id = s.event_id
    where s.chain = lab_check_chain.chain and l.tenant_id = lab_check_chain.chain
  ) f;
  return query select sealed, intact,
    audit.tree_root(chain, sealed) is not distinct from audit.root_from_events(chain, 0, sealed);
end
$$;
select pg_catalog.format('select %L as chain, * from audit.lab_check_chain(%L)', label, chain) from chains
order by label \gexec
\echo '--- what no chain has sealed: events written on the coordinator during the conversion (coordinator ids)'
select l.action, count(*) as events, min(l.txid) as first_txid, max(l.txid) as last_txid,
       min(l.seq) < 281474976710656 as coordinator_seq
from audit_logs l
where not exists (select from audit.seals s where s.chain = l.tenant_id and s.event_id = l.id)
  and not exists (select from audit.refused_events r where r.named_tenant = l.tenant_id and r.event_id = l.id)
group by l.action order by 1;
