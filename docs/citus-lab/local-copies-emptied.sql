-- Lab helper (files 3 and 7): the coordinator's own copy of every table Citus now holds on its shards,
-- emptied. create_distributed_table and create_reference_table copy a table's rows to the shards and
-- leave them in the local table too (found: after file 7, the coordinator still kept 1.8 MB of the ledger,
-- users' password hashes, sessions and API key hashes from before the conversion, which no erasure,
-- retention or revocation reaches). Citus's own function empties it; in replica mode, since the ledger's
-- guards refuse a TRUNCATE and change capture would record one: the rows are not leaving the ledger.
begin;
set local session_replication_role = replica;
select p.logicalrelid as emptied, truncate_local_data_after_distributing_table(p.logicalrelid)
from pg_dist_partition p
join pg_class c on c.oid = p.logicalrelid
where not c.relispartition
  and (pg_relation_size(c.oid) > 0
       or exists (select from pg_inherits i where i.inhparent = c.oid and pg_relation_size(i.inhrelid) > 0))
order by 1;
commit;
