-- Lab step 2: tenants and the context keys become reference tables.
\set ON_ERROR_STOP 1
set citus.enable_unsafe_triggers = on;
-- The alarm's event trigger fires on Citus's own conversion DDL; pause it for the conversion.
alter event trigger skillhub_security_control_alarm disable;
-- The keys into tenants are dropped first and re-added once their tables are distributed (files 3 and 7):
-- a local table that references a reference table becomes a Citus local table, which
-- create_distributed_table later undistributes into a new relation, and every registry keyed by a
-- regclass (audit.tracked_tables, audit.column_classes, audit.subject_columns) then named a relation
-- that no longer existed (found: no capture could be regenerated, and personal columns went unclassified).
create table public.lab_keys_to_tenants as
  select conrelid::regclass::text as rel, conname::text, pg_get_constraintdef(oid) as def from pg_constraint
  where contype = 'f' and confrelid in ('tenants'::regclass, 'platform.context_keys'::regclass);
do $$ declare k record; begin
  for k in select * from public.lab_keys_to_tenants loop
    execute format('alter table %s drop constraint %I', k.rel, k.conname);
  end loop;
end $$;
select create_reference_table('tenants');
select create_reference_table('platform.context_keys');
