-- Lab step 4: how the tenant context reaches the workers, routing, and the global pid.
-- A throwaway table and role of its own, with a policy on a plain setting.
\set ON_ERROR_STOP 1
create role lab_reader login nosuperuser nobypassrls;
create table lab_items (tenant text not null, n int not null, primary key (tenant, n));
select create_distributed_table('lab_items', 'tenant');
insert into lab_items select t, g from unnest(array['a','b','c','d']) t, generate_series(1, 5) g;
alter table lab_items enable row level security;
alter table lab_items force row level security;
create policy by_setting on lab_items using (tenant = current_setting('app.lab', true));
grant usage on schema public to lab_reader;
grant select on lab_items to lab_reader;
set role lab_reader;
\echo '--- set_config(..., true), propagate_set_commands = none (default): rows seen'
begin; select set_config('app.lab', 'a', true); select count(*) from lab_items; select count(*) as routed from lab_items where tenant = 'a'; commit;
\echo '--- set local, propagate_set_commands = none: rows seen'
begin; set local app.lab = 'a'; select count(*) from lab_items; commit;
\echo '--- set local, propagate_set_commands = local: rows seen'
set citus.propagate_set_commands = 'local';
begin; set local app.lab = 'a'; select count(*) from lab_items; select count(*) as routed from lab_items where tenant = 'a'; commit;
\echo '--- set_config(..., true), propagate_set_commands = local: rows seen'
begin; select set_config('app.lab', 'a', true); select count(*) from lab_items; commit;
\echo '--- the setting after commit, next transaction without context: rows seen'
begin; select count(*) from lab_items; commit;
\echo '--- policy does not prune: plan of a query relying on the policy alone'
begin; set local app.lab = 'a'; explain (costs off) select * from lab_items; commit;
\echo '--- plan with the tenant as an explicit filter'
begin; set local app.lab = 'a'; explain (costs off) select * from lab_items where tenant = 'a'; commit;
\echo '--- global pid: coordinator vs worker connections of one transaction'
reset role;
begin; select citus_backend_gpid() as coordinator_gpid;
select result as worker_gpids from run_command_on_workers('select citus_backend_gpid()');
commit;
