-- Lab step 6: a partitioned, distributed ledger-like table; and what step 3 dropped.
\set ON_ERROR_STOP 0
\echo '--- functions using a converted table row type after create_distributed_table'
select count(*) as create_user_session_functions from pg_proc where proname = 'create_user_session';
\echo '--- a partitioned ledger-like table distributed by tenant, with a policy and monthly partitions'
create table lab_ledger (tenant text not null, id uuid not null default gen_random_uuid(), created_at timestamptz not null default now(),
  primary key (tenant, id, created_at)) partition by range (created_at);
create table lab_ledger_p202611 partition of lab_ledger for values from ('2026-11-01') to ('2026-12-01');
alter table lab_ledger enable row level security;
create policy by_setting on lab_ledger using (tenant = current_setting('app.lab', true));
select create_distributed_table('lab_ledger', 'tenant');
create table lab_ledger_p202612 partition of lab_ledger for values from ('2026-12-01') to ('2027-01-01');
select count(*) as shards_of_new_partition from pg_dist_shard where logicalrelid = 'lab_ledger_p202612'::regclass;
insert into lab_ledger (tenant, created_at) values ('a', '2026-11-30'), ('a', '2026-12-01');
\echo '--- dropping a month on the cluster'
\timing on
drop table lab_ledger_p202611;
\timing off
select count(*) as left_after_drop from lab_ledger;
drop table lab_ledger;
