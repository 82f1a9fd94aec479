-- Lab step 5: errors expected; they are the findings.
\set ON_ERROR_STOP 0
set citus.enable_unsafe_triggers = on;
\echo '--- an audited write on a distributed table (change capture trigger on the shard)'
insert into tenants (id, name, slug) values ('t_lab', 'Lab', 'lab');
insert into users (tenant_id, email, display_name) values ('t_lab', 'a@lab.test', 'A');
select count(*) as events_for_t_lab from audit_logs where tenant_id = 't_lab';
\echo '--- the same without the capture trigger: the default txid comes from the coordinator or the worker?'
create table lab_events (tenant text not null, txid xid8 not null default pg_current_xact_id(), n int, primary key (tenant, n));
select create_distributed_table('lab_events', 'tenant');
begin;
select pg_current_xact_id() as coordinator_txid;
insert into lab_events (tenant, n) values ('a', 1);
select result as worker_txid_in_same_tx from run_command_on_shards('lab_events', $$select string_agg(txid::text, ',') from %s$$) where result <> '';
commit;
select txid from lab_events;
