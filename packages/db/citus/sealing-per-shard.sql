-- The ledger sealed a shard at a time on a Citus cluster (docs/citus.md, "Sealing on the shards (step 7)"),
-- a psql script the conversion applies to a converted database, never a migration: on one server
-- audit.seal_pending seals every chain, and the two must not both run against one database.
--
-- The sealer calls audit.seal_shard once per shard of the ledger, through a value that hashes to the
-- shard (audit.shard_representatives); Citus delegates such a call, made outside a transaction block,
-- to the shard's node, where the function reads and writes the shard's own relations: seal_pending's
-- body, every chain of the shard in one pass, in that node's (txid, seq) order past a cursor kept per
-- shard beside it. Each node's ids order only its own events, so no cursor is ever taken from seals made
-- elsewhere: events sealed before the conversion carry the coordinator's ids. The conversion seals
-- everything once, then starts each shard's cursor at its node's oldest open id, and from then on a
-- pass reads only the events stamped on a node (seq at or above 2^48, each node's range of the ledger's
-- sequence, through a partial index), so the history sealed before, whose ids a new node's may never
-- reach, is not walked again. Each function is created, given to its owner and closed to PUBLIC in one
-- transaction.
\set ON_ERROR_STOP on
set client_min_messages = warning;

-- One value per shard of the ledger: the first 'skillhub-shard-<n>' that hashes into it (2,000 candidates
-- leave a shard of 128 without one about once in six million conversions, which then stops here).
create table audit.shard_representatives (shard bigint primary key, representative text not null unique);
insert into audit.shard_representatives
select distinct on (shard) shard, value
from generate_series(1, 2000) g,
     lateral (select 'skillhub-shard-' || g as value) v,
     lateral (select pg_catalog.get_shard_id_for_distribution_column('public.audit_logs', v.value) as shard) s
order by shard, g;
do $$ begin
  if exists (select from pg_catalog.pg_dist_shard s
             where s.logicalrelid = 'public.audit_logs'::regclass
               and not exists (select from audit.shard_representatives r where r.shard = s.shardid)) then
    raise exception 'a shard of audit_logs has no representative among 2,000 candidates';
  end if;
end $$;
select create_reference_table('audit.shard_representatives');
-- Citus leaves the rows it copied to the placements in the table itself too (the doctor's
-- citus_local_copies_empty).
select truncate_local_data_after_distributing_table('audit.shard_representatives');
grant select on audit.shard_representatives to skillhub_app, skillhub_system;

-- Where each shard's sealing stands, in the id space of the node that stamped what it sealed last
-- (node_group: each node stamps seq from its group x 2^48), kept in the shard's colocation group. A shard
-- moved to another node keeps its cursor, which then names the former node.
create table audit.shard_seal_cursors (representative text primary key, txid xid8 not null, seq bigint not null,
                                       node_group integer not null);
select create_distributed_table('audit.shard_seal_cursors', 'representative', colocate_with => 'audit_logs');
grant select, insert, update on audit.shard_seal_cursors to skillhub_system;

-- The events stamped on a node, in the order a pass reads them.
create index audit_logs_node_order on public.audit_logs (txid, seq) where seq >= 281474976710656;

-- The ledger's shard a representative stands for; any other value is refused, so that no caller makes a
-- pass walk a shard from the start or leaves cursor rows under names of its own.
create function audit.represented_shard(representative text) returns bigint
language plpgsql stable set search_path = '' as $$
declare
  shard bigint := pg_catalog.get_shard_id_for_distribution_column('public.audit_logs', representative);
  stands boolean;
begin
  execute pg_catalog.format('select exists (select from %s r where r.shard = $1 and r.representative = $2)',
                            audit.colocated_shard(shard, 'audit.shard_representatives'))
    into stands using shard, representative;
  if not stands then
    raise exception '% does not represent a shard of the ledger', representative using errcode = 'invalid_parameter_value';
  end if;
  return shard;
end
$$;

begin;
-- Seals the shard's events with seq in [least_seq, below_seq), below `horizon`, past the shard's cursor, at
-- most max_events of them: seal_pending's pass (0070) over the shard's own relations.
create function audit.seal_shard_through(representative text, max_events integer, horizon xid8, least_seq bigint,
                                         below_seq bigint)
returns integer
language plpgsql security definer set search_path = '' as $$
declare
  shard bigint := audit.represented_shard(representative);
  ledger text := audit.colocated_shard(shard, 'public.audit_logs');
  seals text := audit.colocated_shard(shard, 'audit.seals');
  refusals text := audit.colocated_shard(shard, 'audit.refused_events');
  cursors text := audit.colocated_shard(shard, 'audit.shard_seal_cursors');
  tenants text := audit.colocated_shard(shard, 'public.tenants');
  last_txid xid8;
  last_seq bigint;
  next_txid xid8;
  next_seq bigint;
  sealed integer;
  refused integer;
  chains text[];
  old_sizes bigint[];
  new_sizes bigint[];
  i integer;
begin
  if not pg_catalog.pg_try_advisory_xact_lock(pg_catalog.hashtext('skillhub.audit.seal'), shard::integer) then
    return 0;
  end if;
  execute pg_catalog.format('select c.txid, c.seq from %s c where c.representative = $1', cursors)
    into last_txid, last_seq using representative;
  -- The anti-joins keep a pass from taking again what the conversion's pass sealed.
  execute pg_catalog.format($sql$
    with batch as materialized (
      select e.id, e.txid, e.seq, e.tenant_id, e.tenant_id as chain, e.orphan, e.created_at,
             pg_catalog.sha256(e.canonical) as event_hash,
             pg_catalog.sha256('\x00'::bytea operator(pg_catalog.||) e.canonical) as leaf_hash
      from (
        select l.id, l.txid, l.seq, l.tenant_id, l.created_at,
               pg_catalog.convert_to(audit.canonical_text(row(l.*)::public.audit_logs), 'UTF8') as canonical,
               l.tenant_id <> '' and not exists (select from %4$s t where t.id = l.tenant_id) as orphan
        from %1$s l
        where l.txid < $1 and (l.txid, l.seq) > (coalesce($2, '0'::xid8), coalesce($3, 0))
          and l.seq >= $5 and l.seq < $6
          and not exists (select from %2$s s where s.event_id = l.id and s.chain = l.tenant_id)
          and not exists (select from %3$s r where r.event_id = l.id and r.named_tenant = l.tenant_id)
        order by l.txid, l.seq
        limit $4
      ) e
    ),
    refusals as (
      insert into %3$s (event_id, txid, seq, named_tenant, reason)
      select b.id, b.txid, b.seq, b.tenant_id, 'its tenant does not exist' from batch b where b.orphan
      returning 1
    ),
    heads as (
      select c.chain, coalesce(h.position, 0) as position, coalesce(h.chain_hash, audit.genesis_hash(c.chain)) as chain_hash
      from (select distinct b.chain from batch b where not b.orphan) c
      left join lateral (select s.position, s.chain_hash from %2$s s where s.chain = c.chain
                         order by s.position desc limit 1) h on true
    ),
    sealing as (
      insert into %2$s (chain, position, event_id, txid, seq, event_hash, chain_hash, leaf_hash, created_at)
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
           (select pg_catalog.array_agg(h.position + g.added order by g.chain) from grown g join heads h on h.chain = g.chain),
           (select b.txid from batch b order by b.txid desc, b.seq desc limit 1),
           (select b.seq from batch b order by b.txid desc, b.seq desc limit 1)
    $sql$, ledger, seals, refusals, tenants)
    into sealed, refused, chains, old_sizes, new_sizes, next_txid, next_seq
    using horizon, last_txid, last_seq, max_events, least_seq, below_seq;
  -- The trees one chain at a time: each call is routed by its chain, to this node.
  for i in 1 .. coalesce(pg_catalog.cardinality(chains), 0) loop
    perform audit.extend_trees(array[chains[i]], array[old_sizes[i]], array[new_sizes[i]]);
  end loop;
  if next_txid is not null then
    execute pg_catalog.format(
      'insert into %s as c (representative, txid, seq, node_group) values ($1, $2, $3, $4) '
      'on conflict (representative) do update set txid = excluded.txid, seq = excluded.seq', cursors)
      using representative, next_txid, next_seq, (select g.groupid from pg_catalog.pg_dist_local_group g);
  end if;
  if refused > 0 then
    raise warning 'sealing refused % audit events whose tenant does not exist', refused;
  end if;
  return coalesce(sealed, 0);
end
$$;
alter function audit.seal_shard_through(text, integer, xid8, bigint, bigint) owner to skillhub_system;
revoke all on function audit.seal_shard_through(text, integer, xid8, bigint, bigint) from public;

-- The sealer's call: the events stamped on the shard's node, below its horizon. When the shard has moved
-- here since its cursor was set (a shard move, found: the cursor then named the former node's ids, and
-- every event stamped here below it stayed unsealed), what the former node stamped is sealed first: all of
-- it is committed, since that node writes the shard no more, in that node's order past its cursor; then
-- the cursor starts again in this node's id space.
create function audit.seal_shard(representative text, max_events integer default 10000) returns integer
language plpgsql security definer set search_path = '' as $$
declare
  here bigint := (select g.groupid from pg_catalog.pg_dist_local_group g);
  cursors text := audit.colocated_shard(audit.represented_shard(representative), 'audit.shard_seal_cursors');
  stamped_on bigint;
  sealed integer := 0;
begin
  execute pg_catalog.format('select c.node_group from %s c where c.representative = $1', cursors)
    into stamped_on using representative;
  if stamped_on is not null and stamped_on <> here then
    sealed := audit.seal_shard_through(representative, max_events, '18446744073709551615'::xid8,
                                       stamped_on * 281474976710656, (stamped_on + 1) * 281474976710656);
    if sealed >= max_events then
      return sealed;
    end if;
    execute pg_catalog.format('update %s c set txid = ''0'', seq = 0, node_group = $2 where c.representative = $1',
                              cursors)
      using representative, here;
  end if;
  return sealed + audit.seal_shard_through(representative, max_events - sealed, audit.sealing_horizon(),
                                           here * 281474976710656, (here + 1) * 281474976710656);
end
$$;
alter function audit.seal_shard(text, integer) owner to skillhub_system;
revoke all on function audit.seal_shard(text, integer) from public;
grant execute on function audit.seal_shard(text, integer) to skillhub_app;

-- The conversion's last pass over a shard, with writes stopped: everything sealed, the conversion's own
-- events (the security control alarm's, written from the coordinator with its ids) among them, then the
-- shard's cursor started at its node's oldest open id. One transaction: a failure leaves the shard as
-- it was, never with a cursor in the coordinator's id space.
create function audit.seal_shard_at_conversion(representative text) returns integer
language plpgsql security definer set search_path = '' as $$
declare
  shard bigint := audit.represented_shard(representative);
  total integer := 0;
  sealed integer;
begin
  loop
    sealed := audit.seal_shard_through(representative, 10000, '18446744073709551615'::xid8, 0, 9223372036854775807);
    total := total + sealed;
    exit when sealed < 10000;
  end loop;
  execute pg_catalog.format(
    'insert into %s as c (representative, txid, seq, node_group) '
    'values ($1, pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot()), 0, $2) '
    'on conflict (representative) do update set txid = excluded.txid, seq = excluded.seq, node_group = excluded.node_group',
    audit.colocated_shard(shard, 'audit.shard_seal_cursors'))
    using representative, (select g.groupid from pg_catalog.pg_dist_local_group g);
  return total;
end
$$;
alter function audit.seal_shard_at_conversion(text) owner to skillhub_system;
revoke all on function audit.seal_shard_at_conversion(text) from public;

-- The node's next transaction id: what the CLI waits to see sealed (one server: pg_snapshot_xmax there).
create function audit.shard_xmax(representative text) returns xid8
language sql stable security definer set search_path = '' as $$
  select pg_catalog.pg_snapshot_xmax(pg_catalog.pg_current_snapshot()) where audit.represented_shard(representative) is not null
$$;
alter function audit.shard_xmax(text) owner to skillhub_system;
revoke all on function audit.shard_xmax(text) from public;
grant execute on function audit.shard_xmax(text) to skillhub_app;

-- Whether the shard holds an event stamped on its node below `target` that is neither sealed nor refused
-- (one an open transaction on the node still holds back), or one its former node stamped that a pass has
-- still to seal (seal_shard).
create function audit.shard_unsealed_below(representative text, target xid8) returns boolean
language plpgsql stable security definer set search_path = '' as $$
declare
  shard bigint := audit.represented_shard(representative);
  here bigint := (select g.groupid from pg_catalog.pg_dist_local_group g);
  last_txid xid8;
  last_seq bigint;
  stamped_on bigint;
  waiting boolean;
begin
  execute pg_catalog.format('select c.txid, c.seq, c.node_group from %s c where c.representative = $1',
                            audit.colocated_shard(shard, 'audit.shard_seal_cursors'))
    into last_txid, last_seq, stamped_on using representative;
  if stamped_on is distinct from here then
    last_txid := null;
    last_seq := null;
  end if;
  execute pg_catalog.format($sql$
    select exists (
      select from %1$s l
      where ((l.txid, l.seq) > (coalesce($1, '0'::xid8), coalesce($2, 0)) and l.txid < $3
             and l.seq >= $4 * 281474976710656 and l.seq < ($4 + 1) * 281474976710656
             or $5 is distinct from $4 and l.seq >= $5 * 281474976710656 and l.seq < ($5 + 1) * 281474976710656)
        and not exists (select from %2$s s where s.event_id = l.id and s.chain = l.tenant_id)
        and not exists (select from %3$s r where r.event_id = l.id and r.named_tenant = l.tenant_id))
    $sql$, audit.colocated_shard(shard, 'public.audit_logs'), audit.colocated_shard(shard, 'audit.seals'),
    audit.colocated_shard(shard, 'audit.refused_events'))
    into waiting using last_txid, last_seq, target, here, stamped_on;
  return waiting;
end
$$;
alter function audit.shard_unsealed_below(text, xid8) owner to skillhub_system;
revoke all on function audit.shard_unsealed_below(text, xid8) from public;
grant execute on function audit.shard_unsealed_below(text, xid8) to skillhub_app;
commit;

select pg_catalog.format('select create_distributed_function(%L, %L, colocate_with => %L)', f, 'representative',
                         'audit_logs')
from unnest(array['audit.seal_shard_through(text, integer, xid8, bigint, bigint)', 'audit.seal_shard(text, integer)',
                  'audit.seal_shard_at_conversion(text)', 'audit.shard_xmax(text)',
                  'audit.shard_unsealed_below(text, xid8)']) f \gexec

-- The conversion's pass, one statement per shard (\gexec): Citus delegates a call only when it is a
-- statement alone.
select pg_catalog.format('select audit.seal_shard_at_conversion(%L) as sealed_at_conversion', r.representative)
from audit.shard_representatives r order by r.shard \gexec
