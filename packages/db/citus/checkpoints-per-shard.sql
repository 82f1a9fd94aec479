-- Checkpoints on a Citus cluster (docs/citus.md, step 7), a psql script the conversion applies after
-- sealing-per-shard.sql. audit.trees_to_checkpoint lists every chain's grown tree by joining tenants,
-- seals and checkpoints, which Citus cannot plan ("complex joins are only supported when all distributed
-- tables are co-located and joined on their distribution columns"); audit.shard_trees_to_checkpoint lists
-- one shard's, on its node. The door that records a checkpoint reads and writes one chain's rows only, so
-- it is delegated by that chain: as its definer on the coordinator, it would open worker connections as
-- skillhub_system, which cannot log in.
\set ON_ERROR_STOP on
set client_min_messages = warning;

-- The grown trees of the chains of one shard, as trees_to_checkpoint gives them: a jsonb array of
-- {chain, tree_size, root_hash (base64) or problem}. Jsonb, not a set: Citus delegates a call only in a
-- statement's target list.
begin;
create function audit.shard_trees_to_checkpoint(representative text) returns jsonb
language plpgsql stable security definer set search_path = '' as $$
declare
  shard bigint := audit.represented_shard(representative);
  grown record;
  root bytea;
  trees jsonb := '[]';
begin
  -- The shard's chains with seals or checkpoints, one index probe each (loose scans of both keys: a chain
  -- whose seals were all removed still has its checkpoints), then each chain's sizes from those keys.
  for grown in execute pg_catalog.format($sql$
    with recursive sealed (chain) as (
      (select x.chain from %1$s x order by x.chain limit 1)
      union all
      select (select x.chain from %1$s x where x.chain > c.chain order by x.chain limit 1)
      from sealed c where c.chain is not null
    ), signed (chain) as (
      (select y.chain from %2$s y order by y.chain limit 1)
      union all
      select (select y.chain from %2$s y where y.chain > c.chain order by y.chain limit 1)
      from signed c where c.chain is not null
    )
    select c.chain, s.size, k.size as signed
    from (select chain from sealed union select chain from signed) c
    cross join lateral (select coalesce(pg_catalog.max(x.position), 0) as size from %1$s x where x.chain = c.chain) s
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
grant execute on function audit.shard_trees_to_checkpoint(text) to skillhub_app;
commit;
select create_distributed_function('audit.shard_trees_to_checkpoint(text)', 'representative',
                                   colocate_with => 'audit_logs');

select create_distributed_function('audit.record_checkpoint(text, bigint, text, text)', 'chain',
                                   colocate_with => 'audit_logs');
