-- Lab step 9: sealing a shard at a time, every chain of the shard in one set-based pass on the shard's node
-- (after 8): the product's cluster sealing path applied, new events in three chains and an orphan sealed
-- and refused by one call per shard, every chain checked.
\set ON_ERROR_STOP 1
set client_min_messages = warning;

\echo '--- the cluster''s sealing path (packages/db/citus/sealing-per-shard.sql)'
\ir ../../packages/db/citus/sealing-per-shard.sql
\ir ../../packages/db/citus/checkpoints-per-shard.sql
\ir ../../packages/db/citus/verification-per-shard.sql
select count(*) as representatives,
       (select count(*) from pg_dist_shard where logicalrelid = 'public.audit_logs'::regclass) as ledger_shards
from audit.shard_representatives;

\echo '--- new events in three chains and one refused, then every shard sealed, then again'
select t.id as acme from tenants t where t.slug = 'acme' \gset
select t.id as globex from tenants t where t.slug = 'globex' \gset
insert into public.lab_notes values (:'acme', 20, 'per shard'), (:'acme', 21, 'per shard'), (:'globex', 20, 'per shard');
insert into audit_logs (tenant_id, action, resource_type) values ('lab-orphan', 'lab.orphan', 'lab');
set role skillhub_server;
select pg_catalog.format('select audit.seal_shard(%L) as sealed', r.representative)
from audit.shard_representatives r order by r.shard \gexec
select pg_catalog.format('select audit.seal_shard(%L) as sealed_again', r.representative)
from audit.shard_representatives r order by r.shard \gexec
reset role;
select count(*) as orphan_refusals from audit.refused_events where named_tenant = 'lab-orphan';

\echo '--- each chain recomputed from its events, and its tree root from its leaves'
create temp table chains as select id as chain, slug as label from tenants union all select '', '(system)';
select pg_catalog.format('select %L as chain, * from audit.lab_check_chain(%L)', label, chain) from chains
order by label \gexec
\echo '--- what no chain has sealed yet'
select l.action, count(*) as events, min(l.txid) as first_txid, max(l.txid) as last_txid
from audit_logs l
where not exists (select from audit.seals s where s.chain = l.tenant_id and s.event_id = l.id)
  and not exists (select from audit.refused_events r where r.named_tenant = l.tenant_id and r.event_id = l.id)
group by l.action order by 1;

\echo '--- the lab''s own table isolated like every tenant table, now that its explorations are done'
-- Files 8 and 9 wrote it as the runtime role with no policy, to see where each write lands; from here it
-- holds tenants' rows like the others, so `skillhub selftest` and the doctor hold it to the same rules.
alter table public.lab_notes enable row level security;
alter table public.lab_notes force row level security;
create policy tenant_isolation on public.lab_notes
  using (tenant_id = platform.current_tenant_id()) with check (tenant_id = platform.current_tenant_id());
