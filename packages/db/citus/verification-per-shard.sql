-- Verification on a Citus cluster (docs/citus.md, step 9), a psql script the conversion applies after
-- sealing-per-shard.sql. One server's verification calls an event "inserted" when no seal covers it and
-- it is older than the newest seal of the whole ledger by (txid, seq); across nodes that order means
-- nothing, so a chain's shard answers on its node, against its own sealing cursor.
\set ON_ERROR_STOP on
set client_min_messages = warning;

begin;
-- A chain's events no seal covers, as verify-chain's unsealedEvents counts them: {inserted: the first
-- event sealing must have passed (stamped elsewhere than on a node, all of which the conversion sealed,
-- or stamped on the node of its shard's cursor at or below it, the last event sealing took or refused;
-- the cursor orders nothing another node stamped, as after a shard move), unsealed: how many}.
-- Forced delegation, since verification reads inside its own transaction, where Citus delegates
-- nothing else; so it reads the shard's relations by name only, never a distributed table through a
-- value other than the chain.
create function audit.chain_unsealed_events(chain text) returns jsonb
language plpgsql stable security definer set search_path = '' as $$
declare
  shard bigint := pg_catalog.get_shard_id_for_distribution_column('public.audit_logs', chain);
  ledger text := audit.colocated_shard(shard, 'public.audit_logs');
  cursor_txid xid8;
  cursor_seq bigint;
  cursor_group bigint;
  found jsonb;
begin
  execute pg_catalog.format(
    'select c.txid, c.seq, c.node_group from %s c join %s r on r.representative = c.representative where r.shard = $1',
    audit.colocated_shard(shard, 'audit.shard_seal_cursors'), audit.colocated_shard(shard, 'audit.shard_representatives'))
    into cursor_txid, cursor_seq, cursor_group using shard;
  execute pg_catalog.format($sql$
    select pg_catalog.jsonb_build_object(
             'inserted', (pg_catalog.array_agg(u.id order by u.txid, u.seq)
                            filter (where u.seq < 281474976710656
                                       or u.seq >= $4 * 281474976710656 and u.seq < ($4 + 1) * 281474976710656
                                          and (u.txid, u.seq) <= ($2, $3)))[1],
             'unsealed', pg_catalog.count(*))
    from (select e.id, e.txid, e.seq from %1$s e
          where e.tenant_id = $1 and not exists (
            select from %2$s s where s.event_id = e.id and s.chain = $1
              and (s.created_at is null or s.created_at = e.created_at
                   or not exists (select from %1$s x where x.id = s.event_id and x.created_at = s.created_at
                                  and x.tenant_id = $1)))
          offset 0) u
    $sql$, ledger, audit.colocated_shard(shard, 'audit.seals'))
    into found using chain, cursor_txid, cursor_seq, cursor_group;
  return found;
end
$$;
alter function audit.chain_unsealed_events(text) owner to skillhub_system;
revoke all on function audit.chain_unsealed_events(text) from public;
grant execute on function audit.chain_unsealed_events(text) to skillhub_app;
commit;
select create_distributed_function('audit.chain_unsealed_events(text)', 'chain', colocate_with => 'audit_logs',
                                   force_delegation => true);
