-- audit.root_from_events (0075) with every table it reads filtered by the chain itself rather than through
-- the seal's row: Citus routes a statement to one shard only when each distributed table in it is filtered
-- by a constant of its distribution column, and planned 0075's correlated sub-select on audit.tree_nodes
-- (n.chain = s.chain) as a query on every shard. On a worker the checkpoint door, delegated there, then
-- opened connections as its definer, skillhub_system, which cannot log in (found on the lab's cluster,
-- packages/db/test/citus-sealing.test.ts). On one server the filters are the same rows: s.chain is the
-- function's chain.
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
                                  where n.chain = root_from_events.chain and n.level = 0 and n.index = s.position - 1)) as stored
    from audit.seals s
    left join public.audit_logs l on l.id = s.event_id and l.tenant_id = root_from_events.chain
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
