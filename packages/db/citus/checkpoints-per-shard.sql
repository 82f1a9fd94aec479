-- Checkpoints on a Citus cluster (docs/citus.md, step 7), a psql script the conversion applies after
-- sealing-per-shard.sql. audit.trees_to_checkpoint lists every chain's grown tree by joining tenants,
-- seals and checkpoints, which Citus cannot plan ("complex joins are only supported when all distributed
-- tables are co-located and joined on their distribution columns"); audit.shard_trees_to_checkpoint lists
-- one shard's, on its node. The door that records a checkpoint reads and writes one chain's rows only, so
-- it is delegated by that chain: as its definer on the coordinator, it would open worker connections as
-- skillhub_system, which cannot log in.
set client_min_messages = warning;

-- The grown trees of the chains of one shard, as trees_to_checkpoint gives them: a jsonb array of
-- {chain, tree_size, root_hash (base64) or problem}. Jsonb, not a set: Citus delegates a call only in a
-- statement's target list.
create function audit.shard_trees_to_checkpoint(representative text) returns jsonb
language plpgsql stable security definer set search_path = '' as $$
declare
  shard bigint := pg_catalog.get_shard_id_for_distribution_column('public.audit_logs', representative);
  grown record;
  root bytea;
  trees jsonb := '[]';
begin
  -- The shard's chains, one index probe each (a loose scan of the seals' key), then each chain's size
  -- and signed size from the keys of its seals and checkpoints.
  for grown in execute pg_catalog.format($sql$
    with recursive chains (chain) as (
      (select x.chain from %1$s x order by x.chain limit 1)
      union all
      select (select x.chain from %1$s x where x.chain > c.chain order by x.chain limit 1)
      from chains c where c.chain is not null
    )
    select c.chain, s.size, k.size as signed
    from chains c
    cross join lateral (select pg_catalog.max(x.position) as size from %1$s x where x.chain = c.chain) s
    cross join lateral (select coalesce(pg_catalog.max(y.tree_size), 0) as size from %2$s y where y.chain = c.chain) k
    where c.chain is not null and s.size <> k.size
    $sql$, audit.colocated_shard(shard, 'audit.seals'), audit.colocated_shard(shard, 'audit.checkpoints'))
  loop
    if grown.size < grown.signed then
      trees := trees || pg_catalog.jsonb_build_object('chain', grown.chain, 'tree_size', grown.size,
        'problem', pg_catalog.format('the tree of chain "%s" has %s leaves, fewer than its checkpoint of size %s',
                                     grown.chain, grown.size, grown.signed));
      continue;
    end if;
    begin
      root := audit.tree_root(grown.chain, grown.size);
      trees := trees || pg_catalog.jsonb_build_object('chain', grown.chain, 'tree_size', grown.size,
                                                      'root_hash', pg_catalog.encode(root, 'base64'));
    exception when data_corrupted then
      trees := trees || pg_catalog.jsonb_build_object('chain', grown.chain, 'tree_size', grown.size, 'problem', sqlerrm);
    end;
  end loop;
  return trees;
end
$$;
alter function audit.shard_trees_to_checkpoint(text) owner to skillhub_system;
revoke all on function audit.shard_trees_to_checkpoint(text) from public;
grant execute on function audit.shard_trees_to_checkpoint(text) to skillhub_server;
select create_distributed_function('audit.shard_trees_to_checkpoint(text)', 'representative',
                                   colocate_with => 'audit_logs');

select create_distributed_function('audit.record_checkpoint(text, bigint, text, text)', 'chain',
                                   colocate_with => 'audit_logs');
