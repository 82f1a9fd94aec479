-- The ledger's readers in forms Citus can plan (docs/citus.md, "Writes on the shards"; lab file 8),
-- with nothing changed on one server but how two functions are written:
--
-- * audit.stored_nodes in PL/pgSQL. Citus plans no SQL function with parameters over a distributed
--   table ("could not create distributed plan ... parameters in SQL functions"), on the coordinator or
--   on a worker, so every tree read (sealing's extend_trees, tree_root, proofs) failed once a chain
--   had 16 leaves. It was never inlined here (its SET clause forbids that), so the plan is the same.
-- * audit.root_from_events pairs each seal with its event by chain as well as by id. Citus refuses a
--   join of two distributed tables that does not pair their distribution columns. An event moved to
--   another chain now reads as gone, which the checkpoint door refuses exactly as before.
-- * The event's row passed to audit.leaf_hash as public.audit_logs. A query Citus routes to a shard is
--   sent as text naming the shard, so a bare whole-row reference has the shard's row type there, and
--   no function takes that type.
create or replace function audit.stored_nodes(chain text, level integer, lo bigint, hi bigint)
returns table (index bigint, hash bytea)
language plpgsql stable set search_path = '' as $$
begin
  return query
    select s.position - 1, s.leaf_hash from audit.seals s
    where stored_nodes.level = 0 and s.chain = stored_nodes.chain and s.position > lo and s.position <= hi
      and s.leaf_hash is not null
    union all
    select n.index, n.hash from audit.tree_nodes n
    where n.chain = stored_nodes.chain and n.level = stored_nodes.level and n.index >= lo and n.index < hi;
end
$$;
--> statement-breakpoint
create or replace function audit.root_from_events(chain text, from_size bigint, to_size bigint) returns bytea
language plpgsql stable set search_path = '' as $$
declare
  -- A stack of complete subtrees, largest first, with their levels.
  hashes bytea[] := '{}';
  levels integer[] := '{}';
  depth integer := 0;
  start bigint := 0;
  expected bigint := from_size;
  h integer;
  leaf record;
  node bytea;
  lvl integer;
  stored bytea;
  root bytea;
  i integer;
begin
  for h in reverse 62 .. 0 loop
    if (from_size & (1::bigint << h)) <> 0 then
      depth := depth + 1;
      hashes[depth] := audit.subtree_hash(chain, h, start >> h);
      levels[depth] := h;
      start := start + (1::bigint << h);
    end if;
  end loop;
  for leaf in
    select s.position - 1 as index, s.event_id,
           -- A row of nulls when the event is gone: its hash would not be null.
           case when l.id is not null then audit.leaf_hash(row(l.*)::public.audit_logs) end as computed,
           -- History sealed before 0030 keeps its leaves in tree_nodes at level 0.
           coalesce(s.leaf_hash, (select n.hash from audit.tree_nodes n
                                  where n.chain = s.chain and n.level = 0 and n.index = s.position - 1)) as stored
    from audit.seals s
    left join public.audit_logs l on l.id = s.event_id and l.tenant_id = s.chain
    where s.chain = root_from_events.chain and s.position > from_size and s.position <= to_size
    order by s.position
  loop
    if leaf.index <> expected then
      raise exception 'the tree of chain "%" lacks leaves % to %', chain, expected, leaf.index - 1
        using errcode = 'data_corrupted';
    end if;
    if leaf.computed is null then
      raise exception 'leaf % of chain "%": event % is gone or belongs to another chain', leaf.index, chain,
        leaf.event_id using errcode = 'data_corrupted';
    end if;
    if leaf.stored is distinct from leaf.computed then
      raise exception 'leaf % of chain "%": the stored leaf hash is not the hash of event %', leaf.index, chain,
        leaf.event_id using errcode = 'data_corrupted';
    end if;
    node := leaf.computed;
    lvl := 0;
    while depth > 0 and levels[depth] = lvl loop
      node := audit.node_hash(hashes[depth], node);
      depth := depth - 1;
      lvl := lvl + 1;
      if lvl % 4 = 0 then
        select n.hash into stored from audit.tree_nodes n
        where n.chain = root_from_events.chain and n.level = lvl and n.index = leaf.index >> lvl;
        if stored is distinct from node then
          raise exception 'the stored node of chain "%" at level % index % is not what its events hash to', chain,
            lvl, leaf.index >> lvl using errcode = 'data_corrupted';
        end if;
      end if;
    end loop;
    depth := depth + 1;
    hashes[depth] := node;
    levels[depth] := lvl;
    expected := expected + 1;
  end loop;
  if expected <> to_size then
    raise exception 'the tree of chain "%" has % leaves, not %', chain, expected, to_size
      using errcode = 'data_corrupted';
  end if;
  if depth = 0 then
    return pg_catalog.sha256(''::bytea);
  end if;
  root := hashes[depth];
  for i in reverse depth - 1 .. 1 loop
    root := audit.node_hash(hashes[i], root);
  end loop;
  return root;
end
$$;
