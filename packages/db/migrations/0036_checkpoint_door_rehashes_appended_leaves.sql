-- The checkpoint door of 0031 checked a new note's root against the tree
-- as the stored nodes compute it. A stored leaf hash rewritten inside a
-- completed tile, or a rewritten tree node, was therefore signed over: the
-- door asked the stored tree about itself. Now it also hashes the events
-- the new checkpoint newly covers (those after the chain's previous
-- checkpoint, whose stored subtrees it already checks against that
-- checkpoint's root) and refuses unless every stored leaf and every stored
-- node over them is what the events hash to, and the root is the stored
-- tree's. The cost is one leaf hash per event since the last checkpoint
-- (at most every few seconds) and one index probe per 16 events; the
-- first checkpoint of a chain hashes its whole history once.
--
-- The root of a chain's tree at to_size leaves from the stored subtrees
-- that make up its first from_size leaves and the events after them,
-- hashed here. Raises data_corrupted naming the first leaf or stored node
-- that does not match its events.
create function audit.root_from_events(chain text, from_size bigint, to_size bigint) returns bytea
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
    select s.position - 1 as index, s.event_id, audit.leaf_hash(l) as computed,
           coalesce(l.tenant_id, '') as owner,
           -- History sealed before 0030 keeps its leaves in tree_nodes at level 0.
           coalesce(s.leaf_hash, (select n.hash from audit.tree_nodes n
                                  where n.chain = s.chain and n.level = 0 and n.index = s.position - 1)) as stored
    from audit.seals s
    left join public.audit_logs l on l.id = s.event_id
    where s.chain = root_from_events.chain and s.position > from_size and s.position <= to_size
    order by s.position
  loop
    if leaf.index <> expected then
      raise exception 'the tree of chain "%" lacks leaves % to %', chain, expected, leaf.index - 1
        using errcode = 'data_corrupted';
    end if;
    if leaf.computed is null or leaf.owner <> chain then
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
--> statement-breakpoint
revoke all on function audit.root_from_events(text, bigint, bigint) from public;
--> statement-breakpoint
-- Called by the door, which runs as skillhub_system.
grant execute on function audit.root_from_events(text, bigint, bigint) to skillhub_system;
--> statement-breakpoint
-- 0031's door, rehashing the events a new checkpoint newly covers.
create or replace function audit.record_checkpoint(chain text, tree_size bigint, key_id text, note text) returns timestamptz
language plpgsql security definer set search_path = '' as $$
declare
  lines text[] := pg_catalog.string_to_array(note, E'\n');
  expected_origin_tail text := '/audit/' || coalesce(nullif(chain, ''), 'system');
  sealed bigint;
  root bytea;
  previous record;
  covered bigint := 0;
  written timestamptz;
begin
  if pg_catalog.cardinality(lines) < 6 or lines[4] <> '' or lines[pg_catalog.cardinality(lines)] <> ''
     or pg_catalog.left(lines[5], 2) <> '— ' then
    raise exception 'a checkpoint is a signed note: origin, size, root, a blank line, signature lines'
      using errcode = 'invalid_parameter_value';
  end if;
  if pg_catalog.right(lines[1], pg_catalog.length(expected_origin_tail)) <> expected_origin_tail then
    raise exception 'the checkpoint''s origin % does not name chain "%"', lines[1], chain
      using errcode = 'invalid_parameter_value';
  end if;
  if lines[2] <> tree_size::text then
    raise exception 'the checkpoint says size % but is recorded as %', lines[2], tree_size
      using errcode = 'invalid_parameter_value';
  end if;
  select coalesce(pg_catalog.max(s.position), 0) into sealed from audit.seals s where s.chain = record_checkpoint.chain;
  if tree_size > sealed then
    raise exception 'the tree of chain "%" has % leaves, not %', chain, sealed, tree_size
      using errcode = 'invalid_parameter_value';
  end if;
  select k.tree_size, k.root_hash into previous from audit.checkpoints k
  where k.chain = record_checkpoint.chain order by k.tree_size desc, k.created_at desc limit 1;
  if found then
    if audit.tree_root(chain, previous.tree_size) <> previous.root_hash then
      raise exception 'the tree of chain "%" no longer matches its checkpoint at size %', chain, previous.tree_size
        using errcode = 'data_corrupted',
              hint = 'Sealed history was rewritten or removed; run skillhub audit verify --full.';
    end if;
    covered := previous.tree_size;
  end if;
  root := audit.tree_root(chain, tree_size);
  if lines[3] <> pg_catalog.encode(root, 'base64') then
    raise exception 'the checkpoint''s root is not the root of the tree of chain "%" at size %', chain, tree_size
      using errcode = 'invalid_parameter_value';
  end if;
  if tree_size > covered then
    begin
      if audit.root_from_events(chain, covered, tree_size) <> root then
        raise exception 'the stored tree of chain "%" at size % is not what its events hash to', chain, tree_size
          using errcode = 'data_corrupted';
      end if;
    exception when data_corrupted then
      raise exception 'refusing to sign chain "%" at size %: %', chain, tree_size, sqlerrm
        using errcode = 'data_corrupted',
              hint = 'Sealed history was rewritten after sealing; run skillhub audit verify --full.';
    end;
  end if;
  insert into audit.checkpoints (chain, tree_size, root_hash, key_id, note)
  values (chain, tree_size, root, key_id, note)
  on conflict on constraint checkpoints_pkey do nothing
  returning created_at into written;
  return written;
end
$$;
