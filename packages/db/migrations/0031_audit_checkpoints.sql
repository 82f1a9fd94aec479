-- Signed checkpoints of the per-chain trees (C2SP tlog-checkpoint in a
-- signed note). The server signs them (the key never reaches the
-- database); this table keeps every one, append-only like the seals, and
-- its only door, audit.record_checkpoint, refuses a note whose size or root
-- is not the tree's, and refuses to sign on top of history that no longer
-- matches the chain's previous checkpoint.
create table audit.checkpoints (
  chain text not null,
  tree_size bigint not null,
  root_hash bytea not null,
  -- First 4 bytes of the signing key's id (signed-note key hash), 8 hex digits.
  key_id text not null,
  -- The whole signed note, exactly as signed: body, blank line, signatures.
  note text not null,
  created_at timestamptz not null default now(),
  constraint checkpoints_pkey primary key (chain, tree_size, key_id),
  constraint checkpoints_tree_size_check check (tree_size > 0),
  constraint checkpoints_root_hash_check check (pg_catalog.octet_length(root_hash) = 32),
  constraint checkpoints_key_id_check check (key_id ~ '^[0-9a-f]{8}$'),
  constraint checkpoints_note_check check (pg_catalog.octet_length(note) < 4096)
);
--> statement-breakpoint
create index checkpoints_chain_created_at_idx on audit.checkpoints (chain, created_at desc);
--> statement-breakpoint
alter table audit.checkpoints enable row level security;
--> statement-breakpoint
alter table audit.checkpoints force row level security;
--> statement-breakpoint
create policy tenant_isolation on audit.checkpoints as permissive for all to public
  using (chain = (select platform.current_tenant_id()))
  with check (chain = (select platform.current_tenant_id()));
--> statement-breakpoint
revoke all on audit.checkpoints from public;
--> statement-breakpoint
grant select on audit.checkpoints to skillhub_app;
--> statement-breakpoint
grant select, insert on audit.checkpoints to skillhub_system;
--> statement-breakpoint
create trigger checkpoints_append_only before update or delete on audit.checkpoints
  for each row execute function audit.reject_change();
--> statement-breakpoint
create trigger checkpoints_no_truncate before truncate on audit.checkpoints
  for each statement execute function audit.reject_change();
--> statement-breakpoint
-- The trees that grew since their last checkpoint: each chain (every
-- tenant, and '' for the system chain) whose sealed size passed its latest
-- checkpoint's, with its root at that size, one index probe per tenant. A
-- chain whose stored nodes cannot give a root (history removed), or that
-- holds fewer leaves than its checkpoint (history cut), comes with a null
-- root and the reason, and does not keep the others from signing.
create function audit.trees_to_checkpoint()
returns table (chain text, tree_size bigint, root_hash bytea, problem text)
language plpgsql stable security definer set search_path = '' as $$
declare
  grown record;
begin
  for grown in
    select c.chain, s.size, k.size as signed
    from (select t.id as chain from public.tenants t union all select '') c
    cross join lateral (select coalesce(pg_catalog.max(x.position), 0) as size from audit.seals x where x.chain = c.chain) s
    cross join lateral (select coalesce(pg_catalog.max(y.tree_size), 0) as size from audit.checkpoints y
                        where y.chain = c.chain) k
    where s.size <> k.size
  loop
    chain := grown.chain;
    tree_size := grown.size;
    if grown.size < grown.signed then
      root_hash := null;
      problem := pg_catalog.format('the tree of chain "%s" has %s leaves, fewer than its checkpoint of size %s',
                                   grown.chain, grown.size, grown.signed);
      return next;
      continue;
    end if;
    begin
      root_hash := audit.tree_root(grown.chain, grown.size);
      problem := null;
    exception when data_corrupted then
      root_hash := null;
      problem := sqlerrm;
    end;
    return next;
  end loop;
end
$$;
--> statement-breakpoint
alter function audit.trees_to_checkpoint() owner to skillhub_system;
--> statement-breakpoint
revoke all on function audit.trees_to_checkpoint() from public;
--> statement-breakpoint
grant execute on function audit.trees_to_checkpoint() to skillhub_app;
--> statement-breakpoint
-- The door. The note's body (origin, size, base64 root) must name the
-- chain's tree at that size as the stored nodes compute it, and the
-- chain's latest checkpoint must still match the tree: a rewritten or
-- removed node, leaf or seal under it makes this raise instead of signing
-- over the damage. The signature itself is the signer's: PostgreSQL has no
-- Ed25519, and a forged one only makes a note every verifier rejects.
create function audit.record_checkpoint(chain text, tree_size bigint, key_id text, note text) returns timestamptz
language plpgsql security definer set search_path = '' as $$
declare
  lines text[] := pg_catalog.string_to_array(note, E'\n');
  expected_origin_tail text := '/audit/' || coalesce(nullif(chain, ''), 'system');
  sealed bigint;
  root bytea;
  previous record;
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
  if found and audit.tree_root(chain, previous.tree_size) <> previous.root_hash then
    raise exception 'the tree of chain "%" no longer matches its checkpoint at size %', chain, previous.tree_size
      using errcode = 'data_corrupted',
            hint = 'Sealed history was rewritten or removed; run skillhub audit verify --full.';
  end if;
  root := audit.tree_root(chain, tree_size);
  if lines[3] <> pg_catalog.encode(root, 'base64') then
    raise exception 'the checkpoint''s root is not the root of the tree of chain "%" at size %', chain, tree_size
      using errcode = 'invalid_parameter_value';
  end if;
  insert into audit.checkpoints (chain, tree_size, root_hash, key_id, note)
  values (chain, tree_size, root, key_id, note)
  on conflict on constraint checkpoints_pkey do nothing
  returning created_at into written;
  return written;
end
$$;
--> statement-breakpoint
alter function audit.record_checkpoint(text, bigint, text, text) owner to skillhub_system;
--> statement-breakpoint
revoke all on function audit.record_checkpoint(text, bigint, text, text) from public;
--> statement-breakpoint
grant execute on function audit.record_checkpoint(text, bigint, text, text) to skillhub_app;
