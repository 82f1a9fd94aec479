-- Lab step 3: the fifteen tenant tables distributed by tenant_id in one colocation group.
-- Prints KEY REFUSED for each foreign key Citus will not re-create.
-- Their triggers (change capture above all) are off while the rows are copied to the shards: a trigger
-- copied to a shard fires there, and change capture's insert into audit_logs fails on a worker until the
-- ledger is colocated (steps 5-7; found). They are on again after, so on the converted lab every write to a
-- tenant table is refused (closed) until then; reads work.
\set ON_ERROR_STOP 1
set citus.enable_unsafe_triggers = on;
do $$ declare t text; begin
  foreach t in array array['users','skills','skill_versions','ratings','usage_events','skill_embeddings','skill_reviews','api_keys','site_settings','user_sessions','mfa_recovery_codes','invitations','audit_sinks','audit_sink_cursors','audit_sink_attempts'] loop
    execute format('alter table public.%I disable trigger user', t);
  end loop;
end $$;
begin;
-- Foreign keys among tenant tables are dropped, the tables distributed, the keys re-added:
-- Citus allows no key between a distributed and a local table, in either direction.
create temp table saved_keys on commit drop as
  select conrelid::regclass::text as rel, conname::text, pg_get_constraintdef(oid) as def from pg_constraint
  where contype = 'f' and confrelid = any (array['users','skills','skill_versions','ratings','usage_events','skill_embeddings','skill_reviews','api_keys','site_settings','user_sessions','mfa_recovery_codes','invitations','audit_sinks','audit_sink_cursors','audit_sink_attempts']::regclass[]);
select count(*) as keys_between_tenant_tables from saved_keys;
do $$ declare k record; begin
  for k in select * from saved_keys loop execute format('alter table %s drop constraint %I', k.rel, k.conname); end loop;
end $$;
select create_distributed_table('users', 'tenant_id');
select create_distributed_table('skills', 'tenant_id', colocate_with => 'users');
select create_distributed_table('skill_versions', 'tenant_id', colocate_with => 'users');
select create_distributed_table('ratings', 'tenant_id', colocate_with => 'users');
select create_distributed_table('usage_events', 'tenant_id', colocate_with => 'users');
select create_distributed_table('skill_embeddings', 'tenant_id', colocate_with => 'users');
select create_distributed_table('skill_reviews', 'tenant_id', colocate_with => 'users');
select create_distributed_table('api_keys', 'tenant_id', colocate_with => 'users');
select create_distributed_table('site_settings', 'tenant_id', colocate_with => 'users');
select create_distributed_table('user_sessions', 'tenant_id', colocate_with => 'users');
select create_distributed_table('mfa_recovery_codes', 'tenant_id', colocate_with => 'users');
select create_distributed_table('invitations', 'tenant_id', colocate_with => 'users');
select create_distributed_table('audit_sinks', 'tenant_id', colocate_with => 'users');
select create_distributed_table('audit_sink_cursors', 'tenant_id', colocate_with => 'users');
select create_distributed_table('audit_sink_attempts', 'tenant_id', colocate_with => 'users');
do $$ declare k record; begin
  for k in select * from saved_keys loop
    begin
      execute format('alter table %s add constraint %I %s', k.rel, k.conname, k.def);
    exception when others then
      raise notice 'KEY REFUSED %: % (%)', k.conname, sqlerrm, k.def;
    end;
  end loop;
end $$;
commit;
-- The keys into tenants, dropped by file 2, back once the transaction that distributed their tables is over.
\ir keys-to-tenants-back.sql
\ir local-copies-emptied.sql
select logicalrelid, partmethod, colocationid from pg_dist_partition order by colocationid, logicalrelid::text;
do $$ declare t text; begin
  foreach t in array array['users','skills','skill_versions','ratings','usage_events','skill_embeddings','skill_reviews','api_keys','site_settings','user_sessions','mfa_recovery_codes','invitations','audit_sinks','audit_sink_cursors','audit_sink_attempts'] loop
    execute format('alter table public.%I enable trigger user', t);
  end loop;
end $$;
