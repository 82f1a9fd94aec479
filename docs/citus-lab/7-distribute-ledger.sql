-- Lab step 7: the ledger and the tenant tables distributed together, colocated by tenant (run after 1 and 2).
-- audit_logs, security_events and security_event_tallies by tenant_id; the seal set (audit.seals,
-- audit.tree_nodes, audit.checkpoints, and the retention records and legal holds by chain,
-- audit.refused_events by named_tenant) with them, so a chain's events, seals and tree sit on the node of
-- its tenant. Every trigger of a converted table is off while its rows are copied, and on again after.
\set ON_ERROR_STOP 1
set citus.enable_unsafe_triggers = on;
begin;
-- Every converted table's own triggers are off while its rows are copied to the shards: the copy is not a
-- write (the ledger's personal-field encryption would run again on rows it already encrypted, and the
-- configuration's refresh trigger locks across nodes mid-copy; found). On again before commit.
create temp table converted (rel text) on commit drop;
insert into converted select unnest(array['audit.sealed_columns','audit.personal_metadata_keys','audit.subject_columns',
  'audit.column_classes','audit.subject_secret','audit_logs','security_events','security_event_tallies','audit.seals',
  'audit.tree_nodes','audit.checkpoints','audit.retention_records','audit.legal_holds','audit.refused_events',
  'audit.subject_keys','users','skills','skill_versions',
  'ratings','usage_events','skill_embeddings','skill_reviews','api_keys','site_settings','user_sessions',
  'mfa_recovery_codes','invitations','audit_sinks','audit_sink_cursors','audit_sink_attempts']::text[]);
do $$ declare t text; begin
  for t in select rel from converted loop execute format('alter table %s disable trigger user', t); end loop;
end $$;
create temp table saved_keys on commit drop as
  select conrelid::regclass::text as rel, conname::text, pg_get_constraintdef(oid) as def from pg_constraint
  where contype = 'f' and confrelid = any (array['users','skills','skill_versions','ratings','usage_events','skill_embeddings','skill_reviews','api_keys','site_settings','user_sessions','mfa_recovery_codes','invitations','audit_sinks','audit_sink_cursors','audit_sink_attempts']::regclass[]);
do $$ declare k record; begin
  for k in select * from saved_keys loop execute format('alter table %s drop constraint %I', k.rel, k.conname); end loop;
end $$;
-- What the ledger's write path reads where the row lands (audit.encrypt_personal_fields, audit.subject_key):
-- the configuration as reference tables, the per-tenant subject keys colocated with their events.
select create_reference_table('audit.sealed_columns');
select create_reference_table('audit.personal_metadata_keys');
select create_reference_table('audit.subject_columns');
select create_reference_table('audit.column_classes');
select create_reference_table('audit.subject_secret');
select create_distributed_table('audit_logs', 'tenant_id', colocate_with => 'none', shard_count => 8);
select create_distributed_table('security_events', 'tenant_id', colocate_with => 'audit_logs');
select create_distributed_table('security_event_tallies', 'tenant_id', colocate_with => 'audit_logs');
select create_distributed_table('audit.seals', 'chain', colocate_with => 'audit_logs');
select create_distributed_table('audit.tree_nodes', 'chain', colocate_with => 'audit_logs');
select create_distributed_table('audit.checkpoints', 'chain', colocate_with => 'audit_logs');
select create_distributed_table('audit.retention_records', 'chain', colocate_with => 'audit_logs');
select create_distributed_table('audit.legal_holds', 'chain', colocate_with => 'audit_logs');
select create_distributed_table('audit.refused_events', 'named_tenant', colocate_with => 'audit_logs');
select create_distributed_table('audit.subject_keys', 'tenant_id', colocate_with => 'audit_logs');
do $$ declare t text; begin
  foreach t in array array['users','skills','skill_versions','ratings','usage_events','skill_embeddings','skill_reviews','api_keys','site_settings','user_sessions','mfa_recovery_codes','invitations','audit_sinks','audit_sink_cursors','audit_sink_attempts'] loop
    perform create_distributed_table('public.' || t, 'tenant_id', colocate_with => 'audit_logs');
  end loop;
end $$;
do $$ declare k record; begin
  for k in select * from saved_keys loop
    begin
      execute format('alter table %s add constraint %I %s', k.rel, k.conname, k.def);
    exception when others then
      raise notice 'KEY REFUSED %: % (%)', k.conname, sqlerrm, k.def;
    end;
  end loop;
end $$;
do $$ declare t text; begin
  for t in select rel from converted loop execute format('alter table %s enable trigger user', t); end loop;
end $$;
commit;
-- The keys into tenants, dropped by file 2, back once the transaction that distributed their tables is over.
\ir keys-to-tenants-back.sql
\ir local-copies-emptied.sql
select colocationid, count(*) as tables from pg_dist_partition group by 1 order by 1;
