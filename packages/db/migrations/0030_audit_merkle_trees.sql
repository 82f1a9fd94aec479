-- A Merkle tree per chain, next to the linear hash chain: a transparency
-- log per tenant (and one for the system chain), hashed as RFC 9162 §2.1
-- (leaf = SHA-256(0x00 ‖ leaf input), node = SHA-256(0x01 ‖ left ‖ right)).
-- The leaf input of an event is its canonical text, the text whose SHA-256
-- audit.event_hash computes; leaf index = seal position - 1, so the tree
-- grows in the order sealing already uses. The chain hash stays: heads
-- recorded before this migration are still checkable.
--
-- Stored nodes, in tiles of height 4 (as tlog-tiles, whose tiles are 8
-- high): every leaf hash (in audit.seals.leaf_hash), and every complete
-- subtree whose height is a multiple of 4 (levels 4, 8, 12, ... in
-- audit.tree_nodes). Any other complete subtree is recomputed from at most
-- 16 stored hashes of the level below it, so no proof ever rehashes
-- history, and sealing writes one node row per 15 events.
create function audit.canonical_text(e public.audit_logs) returns text
language sql immutable set search_path = '' as $$
  select pg_catalog.jsonb_build_array(
    e.id, e.txid::text, e.seq, e.tenant_id, e.actor_type, e.actor_id, e.action, e.resource_type,
    e.resource_id, e.ip_address::text, e.request_id, e.metadata, e.operation::text, e.table_name,
    e.old_record, e.new_record, e.changed_fields,
    pg_catalog.to_char(e.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
  )::text
$$;
--> statement-breakpoint
-- RFC 9162 leaf hash of an event: SHA-256(0x00 ‖ canonical text in UTF-8).
create function audit.leaf_hash(e public.audit_logs) returns bytea
language sql immutable set search_path = '' as $$
  select pg_catalog.sha256('\x00'::bytea operator(pg_catalog.||) pg_catalog.convert_to(audit.canonical_text(e), 'UTF8'))
$$;
--> statement-breakpoint
create function audit.node_hash(l bytea, r bytea) returns bytea
language sql immutable parallel safe set search_path = '' as $$
  select pg_catalog.sha256('\x01'::bytea operator(pg_catalog.||) l operator(pg_catalog.||) r)
$$;
--> statement-breakpoint
-- The root of a complete subtree of 2^k stored hashes, in order (k = 0..4).
create function audit.perfect_root(h bytea[]) returns bytea
language plpgsql immutable parallel safe set search_path = '' as $$
declare
  width integer := pg_catalog.cardinality(h);
  i integer;
begin
  if width = 0 or (width & (width - 1)) <> 0 then
    raise exception 'a complete subtree has a power of two of children, not %', width;
  end if;
  while width > 1 loop
    for i in 1 .. width / 2 loop
      h[i] := audit.node_hash(h[2 * i - 1], h[2 * i]);
    end loop;
    width := width / 2;
  end loop;
  return h[1];
end
$$;
--> statement-breakpoint
-- The root of one tile (16 hashes), unrolled: sealing computes one per 16
-- events, and a PL/pgSQL loop per tile cost more than the hashing.
create function audit.tile_root(h bytea[]) returns bytea
language sql immutable parallel safe set search_path = '' as $$
  select audit.node_hash(
    audit.node_hash(
      audit.node_hash(audit.node_hash(h[1], h[2]), audit.node_hash(h[3], h[4])),
      audit.node_hash(audit.node_hash(h[5], h[6]), audit.node_hash(h[7], h[8]))),
    audit.node_hash(
      audit.node_hash(audit.node_hash(h[9], h[10]), audit.node_hash(h[11], h[12])),
      audit.node_hash(audit.node_hash(h[13], h[14]), audit.node_hash(h[15], h[16]))))
$$;
--> statement-breakpoint
alter table audit.seals add column leaf_hash bytea;
--> statement-breakpoint
-- Complete subtrees at levels 4, 8, 12, ... (index = first leaf / 2^level),
-- and the leaves of events sealed before this migration (level 0; later
-- leaves live in audit.seals.leaf_hash, written with their seal).
create table audit.tree_nodes (
  chain text not null,
  level smallint not null,
  index bigint not null,
  hash bytea not null,
  constraint tree_nodes_pkey primary key (chain, level, index),
  constraint tree_nodes_level_check check (level >= 0 and level % 4 = 0 and level < 64),
  constraint tree_nodes_index_check check (index >= 0),
  constraint tree_nodes_hash_check check (pg_catalog.octet_length(hash) = 32)
);
--> statement-breakpoint
alter table audit.tree_nodes enable row level security;
--> statement-breakpoint
alter table audit.tree_nodes force row level security;
--> statement-breakpoint
create policy tenant_isolation on audit.tree_nodes as permissive for all to public
  using (chain = (select platform.current_tenant_id()))
  with check (chain = (select platform.current_tenant_id()));
--> statement-breakpoint
revoke all on audit.tree_nodes from public;
--> statement-breakpoint
-- The runtime role reads its tenant's tree; only sealing (skillhub_system) adds nodes.
grant select on audit.tree_nodes to skillhub_app;
--> statement-breakpoint
grant select, insert on audit.tree_nodes to skillhub_system;
--> statement-breakpoint
create trigger tree_nodes_append_only before update or delete on audit.tree_nodes
  for each row execute function audit.reject_change();
--> statement-breakpoint
create trigger tree_nodes_no_truncate before truncate on audit.tree_nodes
  for each statement execute function audit.reject_change();
--> statement-breakpoint
-- The stored hashes of one level of a chain's tree, indexes [lo, hi).
create function audit.stored_nodes(chain text, level integer, lo bigint, hi bigint)
returns table (index bigint, hash bytea)
language sql stable set search_path = '' as $$
  select s.position - 1, s.leaf_hash from audit.seals s
  where level = 0 and s.chain = stored_nodes.chain and s.position > lo and s.position <= hi and s.leaf_hash is not null
  union all
  select n.index, n.hash from audit.tree_nodes n
  where n.chain = stored_nodes.chain and n.level = stored_nodes.level and n.index >= lo and n.index < hi
$$;
--> statement-breakpoint
-- Adds the nodes that became complete when each chain grew from old_sizes[i]
-- to new_sizes[i] leaves: one statement per stored level, all chains at once.
-- A node that exists already is kept: it can only exist if sealed history
-- was cut behind sealing's back and sealed again, and the node committed
-- to first is the one checkpoints and proofs must keep disagreeing with.
create function audit.extend_trees(chains text[], old_sizes bigint[], new_sizes bigint[]) returns void
language plpgsql security definer set search_path = '' as $$
declare
  lvl integer := 4;
  width bigint := 16;
begin
  while lvl < 64 and exists (select from unnest(old_sizes, new_sizes) g (old_size, new_size)
                             where g.new_size / width > g.old_size / width) loop
    insert into audit.tree_nodes (chain, level, index, hash)
    select g.chain, lvl, c.index / 16, audit.tile_root(pg_catalog.array_agg(c.hash order by c.index))
    from unnest(chains, old_sizes, new_sizes) g (chain, old_size, new_size)
    cross join lateral audit.stored_nodes(g.chain, lvl - 4, (g.old_size / width) * 16, (g.new_size / width) * 16) c
    where g.new_size / width > g.old_size / width
    group by g.chain, c.index / 16
    -- A missing child (a leaf deleted behind sealing's back) leaves the node
    -- out: proofs through it fail, and verification names the event.
    having pg_catalog.count(*) = 16
    on conflict on constraint tree_nodes_pkey do nothing;
    lvl := lvl + 4;
    width := width * 16;
  end loop;
end
$$;
--> statement-breakpoint
alter function audit.extend_trees(text[], bigint[], bigint[]) owner to skillhub_system;
--> statement-breakpoint
revoke all on function audit.extend_trees(text[], bigint[], bigint[]) from public;
--> statement-breakpoint
-- The hash of the complete subtree of 2^level leaves starting at leaf
-- index × 2^level, from at most 16 stored hashes.
create function audit.subtree_hash(chain text, level integer, index bigint) returns bytea
language plpgsql stable set search_path = '' as $$
declare
  below integer := level - level % 4;
  children bigint := 1::bigint << (level % 4);
  hashes bytea[];
begin
  select pg_catalog.array_agg(n.hash order by n.index) into hashes
  from audit.stored_nodes(chain, below, index * children, (index + 1) * children) n;
  if coalesce(pg_catalog.cardinality(hashes), 0) <> children then
    raise exception 'the tree of chain "%" lacks nodes under level % index %', chain, level, index
      using errcode = 'data_corrupted',
            hint = 'Sealed history was removed or rewritten; run skillhub audit verify --full.';
  end if;
  return audit.perfect_root(hashes);
end
$$;
--> statement-breakpoint
-- The RFC 9162 root of a chain's tree at `size` leaves (the first `size`
-- sealed events), from stored nodes: one complete subtree per set bit of
-- size, folded from the right.
create function audit.tree_root(chain text, size bigint) returns bytea
language plpgsql stable set search_path = '' as $$
declare
  subtrees bytea[] := '{}';
  start bigint := 0;
  h integer;
  root bytea;
  i integer;
begin
  if size < 0 then
    raise exception 'a tree size is not negative (%)', size using errcode = 'invalid_parameter_value';
  end if;
  if size = 0 then
    return pg_catalog.sha256(''::bytea);
  end if;
  for h in reverse 62 .. 0 loop
    if (size & (1::bigint << h)) <> 0 then
      subtrees := subtrees || audit.subtree_hash(chain, h, start >> h);
      start := start + (1::bigint << h);
    end if;
  end loop;
  root := subtrees[pg_catalog.cardinality(subtrees)];
  for i in reverse pg_catalog.cardinality(subtrees) - 1 .. 1 loop
    root := audit.node_hash(subtrees[i], root);
  end loop;
  return root;
end
$$;
--> statement-breakpoint
-- seal_pending of 0023, appending each sealed event to its chain's tree.
-- The canonical text is built once per event and hashed twice (the chain's
-- event hash and the tree's leaf hash); the new leaves then complete tiles
-- in one statement per stored level (audit.extend_trees), never per event.
create or replace function audit.seal_pending(max_events integer default 10000) returns integer
language plpgsql security definer set search_path = '' as $$
declare
  horizon xid8 := pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot());
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
-- Trees for the history sealed before this migration: each sealed event's
-- leaf from its event as it stands (an event edited earlier still fails
-- verification, which compares it with the chain's event hash), then the
-- stored levels above. Run as skillhub_system, whom row security lets
-- write every chain's tree.
create function audit.plant_trees() returns void
language plpgsql security definer set search_path = '' as $$
begin
  insert into audit.tree_nodes (chain, level, index, hash)
  select s.chain, 0, s.position - 1, audit.leaf_hash(l)
  from audit.seals s join public.audit_logs l on l.id = s.event_id;
  perform audit.extend_trees(pg_catalog.array_agg(t.chain), pg_catalog.array_agg(0::bigint), pg_catalog.array_agg(t.size))
  from (select s.chain, pg_catalog.max(s.position) as size from audit.seals s group by s.chain) t
  having pg_catalog.count(*) > 0;
end
$$;
--> statement-breakpoint
alter function audit.plant_trees() owner to skillhub_system;
--> statement-breakpoint
select audit.plant_trees();
--> statement-breakpoint
drop function audit.plant_trees();
